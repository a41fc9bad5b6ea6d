/* tp_rte.h: what the fault test (harness/tests/fault_transport.c) needs of
 * the `rte_ring` peer (tp_rte.c) to plant an offset that is not a message
 * slot and prove the consumer refuses it.  Plain C, no DPDK header: DPDK's
 * flags stay on tp_rte.c alone.  Only where CMake found DPDK's ring. */
#ifndef TP_RTE_H
#define TP_RTE_H

#include <stdint.h>

struct tp_worker;

/* The slab offset of the next outgoing message's slot, and the offset one
 * slot past the slab's end. */
uint64_t tp_rte_next_slot(const struct tp_worker *w);
uint64_t tp_rte_slab_end(const struct tp_worker *w);
/* Enqueue offset off on our outgoing ring and count the message sent,
 * spinning for room up to the worker's timeout: 0 or -errno with w->err. */
int tp_rte_send_offset(struct tp_worker *w, uint64_t off);

#endif
