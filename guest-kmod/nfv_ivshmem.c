// SPDX-License-Identifier: GPL-2.0
/*
 * nfv_ivshmem - guest driver for the QEMU ivshmem PCI device (1af4:1110).
 *
 * Gives NetLib in a guest what a host process gets from nfvisord: the
 * trust domain's shared region, mapped cacheable (the sysfs resource2 file
 * maps it uncached), and the ivshmem doorbells: MSI-X interrupts in, the
 * doorbell register out.  One /dev/nfv_ivshmemN per device; the user API
 * is described in uapi/nfv_ivshmem.h.
 *
 * ivshmem-doorbell devices have MSI-X vectors and a peer id; ivshmem-plain
 * devices only have memory, which can still be mapped.
 */

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/wait.h>

#include "uapi/nfv_ivshmem.h"

#define DRV_NAME			"nfv_ivshmem"

#define NFV_IVSHMEM_DEVICE_ID		0x1110

#define NFV_IVSHMEM_BAR_REGS		0
#define NFV_IVSHMEM_BAR_SHM		2

#define NFV_IVSHMEM_REG_IVPOSITION	8
#define NFV_IVSHMEM_REG_DOORBELL	12

static DEFINE_IDA(nfv_ivshmem_ida);

struct nfv_ivshmem;

/* One MSI-X vector: its interrupt count and the device it belongs to. */
struct nfv_ivshmem_vector {
	struct nfv_ivshmem	*dev;
	atomic64_t		count;	/* interrupts since probe */
};

/*
 * One device.  Open files hold a reference, so the struct outlives remove();
 * @dead (under @lock) tells them the hardware is gone.
 */
struct nfv_ivshmem {
	struct pci_dev		*pdev;
	void __iomem		*regs;		/* BAR0 */
	phys_addr_t		shm_start;	/* BAR2 */
	resource_size_t		shm_size;
	void			*shm_wb;	/* holds BAR2 write-back (probe) */
	bool			doorbell;	/* has MSI-X: ivshmem-doorbell */
	unsigned int		nr_vectors;	/* vectors with a handler */
	int			id;		/* N of /dev/nfv_ivshmemN */
	char			name[32];
	struct miscdevice	miscdev;
	wait_queue_head_t	wait;		/* woken on every interrupt */
	struct kref		ref;
	struct mutex		lock;		/* protects dead, files, regs */
	bool			dead;
	struct list_head	files;		/* open nfv_ivshmem_file */
	struct nfv_ivshmem_vector vec[NFV_IVSHMEM_MAX_VECTORS];
};

/* One open file: which vectors it listens to and what it has consumed. */
struct nfv_ivshmem_file {
	struct nfv_ivshmem	*dev;
	struct file		*file;
	struct list_head	node;		/* in dev->files */
	spinlock_t		lock;		/* protects mask, seen */
	u64			mask;
	s64			seen[NFV_IVSHMEM_MAX_VECTORS];
};

static void nfv_ivshmem_release_dev(struct kref *ref)
{
	kfree(container_of(ref, struct nfv_ivshmem, ref));
}

static void nfv_ivshmem_put(struct nfv_ivshmem *dev)
{
	kref_put(&dev->ref, nfv_ivshmem_release_dev);
}

static irqreturn_t nfv_ivshmem_irq(int irq, void *data)
{
	struct nfv_ivshmem_vector *vec = data;

	atomic64_inc(&vec->count);
	wake_up_interruptible(&vec->dev->wait);
	return IRQ_HANDLED;
}

/* Vectors of @f that fired since it last consumed them; consume if asked. */
static u64 nfv_ivshmem_pending(struct nfv_ivshmem_file *f, bool consume)
{
	struct nfv_ivshmem *dev = f->dev;
	unsigned int v;
	u64 bits = 0;
	s64 count;

	spin_lock(&f->lock);
	for (v = 0; v < dev->nr_vectors; v++) {
		if (!(f->mask & BIT_ULL(v)))
			continue;
		count = atomic64_read(&dev->vec[v].count);
		if (count == f->seen[v])
			continue;
		bits |= BIT_ULL(v);
		if (consume)
			f->seen[v] = count;
	}
	spin_unlock(&f->lock);
	return bits;
}

static int nfv_ivshmem_open(struct inode *inode, struct file *file)
{
	struct nfv_ivshmem *dev = container_of(file->private_data,
					       struct nfv_ivshmem, miscdev);
	struct nfv_ivshmem_file *f;
	unsigned int v;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;

	f->dev = dev;
	f->file = file;
	spin_lock_init(&f->lock);
	f->mask = dev->nr_vectors ? GENMASK_ULL(dev->nr_vectors - 1, 0) : 0;
	for (v = 0; v < dev->nr_vectors; v++)
		f->seen[v] = atomic64_read(&dev->vec[v].count);

	mutex_lock(&dev->lock);
	if (dev->dead) {
		mutex_unlock(&dev->lock);
		kfree(f);
		return -ENODEV;
	}
	kref_get(&dev->ref);
	list_add(&f->node, &dev->files);
	mutex_unlock(&dev->lock);

	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int nfv_ivshmem_release(struct inode *inode, struct file *file)
{
	struct nfv_ivshmem_file *f = file->private_data;
	struct nfv_ivshmem *dev = f->dev;

	mutex_lock(&dev->lock);
	list_del(&f->node);
	mutex_unlock(&dev->lock);
	kfree(f);
	nfv_ivshmem_put(dev);
	return 0;
}

static ssize_t nfv_ivshmem_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct nfv_ivshmem_file *f = file->private_data;
	struct nfv_ivshmem *dev = f->dev;
	u64 bits;
	int ret;

	if (count < sizeof(bits))
		return -EINVAL;

	for (;;) {
		if (READ_ONCE(dev->dead))
			return -ENODEV;
		if (!dev->doorbell)
			return -ENXIO;
		bits = nfv_ivshmem_pending(f, true);
		if (bits)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(dev->wait,
					       nfv_ivshmem_pending(f, false) ||
					       READ_ONCE(dev->dead));
		if (ret)
			return ret;
	}

	if (copy_to_user(buf, &bits, sizeof(bits)))
		return -EFAULT;
	return sizeof(bits);
}

static __poll_t nfv_ivshmem_poll(struct file *file, poll_table *wait)
{
	struct nfv_ivshmem_file *f = file->private_data;
	struct nfv_ivshmem *dev = f->dev;

	poll_wait(file, &dev->wait, wait);
	if (READ_ONCE(dev->dead))
		return EPOLLHUP | EPOLLERR;
	if (!dev->doorbell)
		return EPOLLERR;
	if (nfv_ivshmem_pending(f, false))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/*
 * Pages are mapped here, on first touch, under dev->lock, not at mmap():
 * the kernel links a new mapping into the file's after ->mmap returns, so
 * a remove() in between would not find page tables filled by mmap() to
 * zap, and the process would keep BAR2's physical range after unplug.  A
 * fault either comes before remove() (which then zaps what it mapped) or
 * sees the device dead.
 */
static vm_fault_t nfv_ivshmem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nfv_ivshmem_file *f = vma->vm_file->private_data;
	struct nfv_ivshmem *dev = f->dev;
	vm_fault_t ret;

	mutex_lock(&dev->lock);
	if (dev->dead || vmf->pgoff >= dev->shm_size >> PAGE_SHIFT)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address, PHYS_PFN(dev->shm_start) + vmf->pgoff);
	mutex_unlock(&dev->lock);
	return ret;
}

static const struct vm_operations_struct nfv_ivshmem_vm_ops = {
	.fault = nfv_ivshmem_vm_fault,
};

static int nfv_ivshmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct nfv_ivshmem_file *f = file->private_data;
	struct nfv_ivshmem *dev = f->dev;
	unsigned long size = vma->vm_end - vma->vm_start;
	unsigned long pages = dev->shm_size >> PAGE_SHIFT;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= pages || size >> PAGE_SHIFT > pages - vma->vm_pgoff)
		return -EINVAL;

	/*
	 * vm_page_prot is left as mmap() made it: normal write-back memory,
	 * which is what BAR2 is (RAM of the host), unlike the uncached
	 * mapping of the sysfs resource2 file; on x86 the fault handler's
	 * pages take the memory type probe() holds for BAR2, write-back.
	 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_ops = &nfv_ivshmem_vm_ops;
	/* Mapped page by page in nfv_ivshmem_vm_fault(). */
	return READ_ONCE(dev->dead) ? -ENODEV : 0;
}

static long nfv_ivshmem_ioc_info(struct nfv_ivshmem *dev, void __user *arg)
{
	struct nfv_ivshmem_info info = {
		.abi_version = NFV_IVSHMEM_ABI_VERSION,
		.region_size = dev->shm_size,
		.nr_vectors = dev->nr_vectors,
		.flags = dev->doorbell ? NFV_IVSHMEM_INFO_DOORBELL : 0,
	};

	mutex_lock(&dev->lock);
	if (dev->dead) {
		mutex_unlock(&dev->lock);
		return -ENODEV;
	}
	info.peer_id = ioread32(dev->regs + NFV_IVSHMEM_REG_IVPOSITION);
	mutex_unlock(&dev->lock);

	if (copy_to_user(arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long nfv_ivshmem_ioc_ring(struct nfv_ivshmem *dev, void __user *arg)
{
	struct nfv_ivshmem_ring ring;
	long ret = 0;

	if (copy_from_user(&ring, arg, sizeof(ring)))
		return -EFAULT;
	if (ring.peer > NFV_IVSHMEM_MAX_PEER ||
	    ring.vector > NFV_IVSHMEM_MAX_VECTOR)
		return -EINVAL;

	mutex_lock(&dev->lock);
	if (dev->dead)
		ret = -ENODEV;
	else if (!dev->doorbell)
		ret = -ENXIO;
	else
		iowrite32(ring.peer << 16 | ring.vector,
			  dev->regs + NFV_IVSHMEM_REG_DOORBELL);
	mutex_unlock(&dev->lock);
	return ret;
}

static long nfv_ivshmem_ioc_set_mask(struct nfv_ivshmem_file *f,
				     void __user *arg)
{
	struct nfv_ivshmem *dev = f->dev;
	unsigned int v;
	u64 mask;

	if (copy_from_user(&mask, arg, sizeof(mask)))
		return -EFAULT;
	if (dev->nr_vectors < NFV_IVSHMEM_MAX_VECTORS &&
	    mask >> dev->nr_vectors)
		return -EINVAL;
	if (READ_ONCE(dev->dead))
		return -ENODEV;

	spin_lock(&f->lock);
	for (v = 0; v < dev->nr_vectors; v++)
		if ((mask & ~f->mask) & BIT_ULL(v))
			f->seen[v] = atomic64_read(&dev->vec[v].count);
	f->mask = mask;
	spin_unlock(&f->lock);
	return 0;
}

static long nfv_ivshmem_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct nfv_ivshmem_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case NFV_IVSHMEM_IOC_INFO:
		return nfv_ivshmem_ioc_info(f->dev, uarg);
	case NFV_IVSHMEM_IOC_RING:
		return nfv_ivshmem_ioc_ring(f->dev, uarg);
	case NFV_IVSHMEM_IOC_SET_MASK:
		return nfv_ivshmem_ioc_set_mask(f, uarg);
	default:
		return -ENOTTY;
	}
}

/* Not seekable: what no_llseek did, which kernels from 6.12 on lack. */
static loff_t nfv_ivshmem_llseek(struct file *file, loff_t off, int whence)
{
	return -ESPIPE;
}

static const struct file_operations nfv_ivshmem_fops = {
	.owner = THIS_MODULE,
	.open = nfv_ivshmem_open,
	.release = nfv_ivshmem_release,
	.read = nfv_ivshmem_read,
	.poll = nfv_ivshmem_poll,
	.mmap = nfv_ivshmem_mmap,
	.unlocked_ioctl = nfv_ivshmem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = nfv_ivshmem_llseek,
};

static void nfv_ivshmem_free_irqs(struct nfv_ivshmem *dev, unsigned int n)
{
	while (n--)
		pci_free_irq(dev->pdev, n, &dev->vec[n]);
}

static int nfv_ivshmem_setup_irqs(struct nfv_ivshmem *dev)
{
	struct pci_dev *pdev = dev->pdev;
	int nvec;
	int ret;
	int v;

	nvec = pci_msix_vec_count(pdev);
	if (nvec <= 0)
		return 0;

	dev->doorbell = true;
	nvec = min(nvec, NFV_IVSHMEM_MAX_VECTORS);
	nvec = pci_alloc_irq_vectors(pdev, 1, nvec, PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;

	for (v = 0; v < nvec; v++) {
		dev->vec[v].dev = dev;
		ret = pci_request_irq(pdev, v, nfv_ivshmem_irq, NULL,
				      &dev->vec[v], "%s-%u", dev->name, v);
		if (ret)
			goto err_free_irqs;
	}
	dev->nr_vectors = nvec;
	return 0;

err_free_irqs:
	nfv_ivshmem_free_irqs(dev, v);
	pci_free_irq_vectors(pdev);
	return ret;
}

static int nfv_ivshmem_probe(struct pci_dev *pdev,
			     const struct pci_device_id *ent)
{
	struct device *d = &pdev->dev;
	struct nfv_ivshmem *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;

	dev->pdev = pdev;
	kref_init(&dev->ref);
	mutex_init(&dev->lock);
	init_waitqueue_head(&dev->wait);
	INIT_LIST_HEAD(&dev->files);

	dev->id = ida_alloc(&nfv_ivshmem_ida, GFP_KERNEL);
	if (dev->id < 0) {
		ret = dev->id;
		goto err_free_dev;
	}
	snprintf(dev->name, sizeof(dev->name), DRV_NAME "%d", dev->id);

	ret = pcim_enable_device(pdev);
	if (ret) {
		dev_err(d, "cannot enable device: %d\n", ret);
		goto err_ida;
	}

	ret = pcim_iomap_regions(pdev, BIT(NFV_IVSHMEM_BAR_REGS), DRV_NAME);
	if (ret) {
		dev_err(d, "cannot map BAR%d: %d\n", NFV_IVSHMEM_BAR_REGS, ret);
		goto err_ida;
	}
	dev->regs = pcim_iomap_table(pdev)[NFV_IVSHMEM_BAR_REGS];

	/*
	 * Claimed, and mapped write-back below: an uncached kernel mapping
	 * would force the user mapping uncached too (x86 PAT).
	 */
	ret = pci_request_region(pdev, NFV_IVSHMEM_BAR_SHM, DRV_NAME);
	if (ret) {
		dev_err(d, "cannot claim BAR%d: %d\n", NFV_IVSHMEM_BAR_SHM, ret);
		goto err_ida;
	}
	dev->shm_start = pci_resource_start(pdev, NFV_IVSHMEM_BAR_SHM);
	dev->shm_size = pci_resource_len(pdev, NFV_IVSHMEM_BAR_SHM);
	if (!dev->shm_size || !PAGE_ALIGNED(dev->shm_start) ||
	    !PAGE_ALIGNED(dev->shm_size)) {
		dev_err(d, "BAR%d %pR is not page aligned\n",
			NFV_IVSHMEM_BAR_SHM,
			&pdev->resource[NFV_IVSHMEM_BAR_SHM]);
		ret = -ENODEV;
		goto err_ida;
	}
	/*
	 * A write-back kernel mapping the driver never uses: it holds BAR2's
	 * memory type (x86 PAT) as write-back while the device lives, so the
	 * pages nfv_ivshmem_vm_fault() maps for user space are write-back
	 * too; a PFN mapping of device memory with no such reservation is
	 * uncached.  BAR2 is RAM of the host.
	 */
	dev->shm_wb = memremap(dev->shm_start, dev->shm_size, MEMREMAP_WB);
	if (!dev->shm_wb) {
		dev_err(d, "cannot hold BAR%d write-back (memremap)\n", NFV_IVSHMEM_BAR_SHM);
		ret = -ENOMEM;
		goto err_ida;
	}

	/* Without bus mastering, MSI-X messages never reach the CPU. */
	pci_set_master(pdev);

	ret = nfv_ivshmem_setup_irqs(dev);
	if (ret) {
		dev_err(d, "cannot set up MSI-X: %d\n", ret);
		goto err_unmap;
	}

	dev->miscdev.minor = MISC_DYNAMIC_MINOR;
	dev->miscdev.name = dev->name;
	dev->miscdev.fops = &nfv_ivshmem_fops;
	dev->miscdev.parent = d;
	pci_set_drvdata(pdev, dev);

	ret = misc_register(&dev->miscdev);
	if (ret) {
		dev_err(d, "cannot register %s: %d\n", dev->name, ret);
		goto err_irqs;
	}

	dev_info(d, "%s: %llu MiB shared memory, %s, peer %u, %u vectors\n",
		 dev->name, (unsigned long long)dev->shm_size >> 20,
		 dev->doorbell ? "doorbell" : "plain",
		 ioread32(dev->regs + NFV_IVSHMEM_REG_IVPOSITION),
		 dev->nr_vectors);
	return 0;

err_irqs:
	if (dev->doorbell) {
		nfv_ivshmem_free_irqs(dev, dev->nr_vectors);
		pci_free_irq_vectors(pdev);
	}
err_unmap:
	memunmap(dev->shm_wb);
err_ida:
	ida_free(&nfv_ivshmem_ida, dev->id);
err_free_dev:
	kfree(dev);
	return ret;
}

static void nfv_ivshmem_remove(struct pci_dev *pdev)
{
	struct nfv_ivshmem *dev = pci_get_drvdata(pdev);
	struct nfv_ivshmem_file *f;

	misc_deregister(&dev->miscdev);

	/* Open files stay, but lose the memory and the registers. */
	mutex_lock(&dev->lock);
	WRITE_ONCE(dev->dead, true);
	list_for_each_entry(f, &dev->files, node)
		unmap_mapping_range(f->file->f_mapping, 0, 0, 1);
	mutex_unlock(&dev->lock);
	wake_up_interruptible_all(&dev->wait);
	/* No user mapping is left, and faults see the device dead. */
	memunmap(dev->shm_wb);

	if (dev->doorbell) {
		nfv_ivshmem_free_irqs(dev, dev->nr_vectors);
		pci_free_irq_vectors(pdev);
	}
	ida_free(&nfv_ivshmem_ida, dev->id);
	nfv_ivshmem_put(dev);
}

static const struct pci_device_id nfv_ivshmem_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, NFV_IVSHMEM_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, nfv_ivshmem_ids);

static struct pci_driver nfv_ivshmem_driver = {
	.name = DRV_NAME,
	.id_table = nfv_ivshmem_ids,
	.probe = nfv_ivshmem_probe,
	.remove = nfv_ivshmem_remove,
};
module_pci_driver(nfv_ivshmem_driver);

MODULE_DESCRIPTION("nfvisor guest driver for the QEMU ivshmem device");
MODULE_AUTHOR("The nfvisor authors");
MODULE_LICENSE("GPL");
