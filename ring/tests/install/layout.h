/* layout.h: every field of the types ring.h shares between libring, built
 * as C, and a caller built as C++, listed once so that test_cxx can compare
 * the layout each language gives them. */
#ifndef RING_TEST_LAYOUT_H
#define RING_TEST_LAYOUT_H

#define RING_LAYOUT_FIELDS(X)                                                                      \
	X(ring_header, magic)                                                                      \
	X(ring_header, version)                                                                    \
	X(ring_header, header_size)                                                                \
	X(ring_header, capacity)                                                                   \
	X(ring_header, instance)                                                                   \
	X(ring_header, wait)                                                                       \
	X(ring_header, flags)                                                                      \
	X(ring_header, owner_uid)                                                                  \
	X(ring_header, creator_pid)                                                                \
	X(ring_header, state)                                                                      \
	X(ring_header, creator_fd)                                                                 \
	X(ring_header, ring_ino)                                                                   \
	X(ring_header, tail)                                                                       \
	X(ring_header, reserved1)                                                                  \
	X(ring_header, head)                                                                       \
	X(ring_header, reserved2)                                                                  \
	X(ring_header, consumer_waiting)                                                           \
	X(ring_header, producer_waiting)                                                           \
	X(ring_header, data_seq)                                                                   \
	X(ring_header, space_seq)                                                                  \
	X(ring_header, reserved3)                                                                  \
	X(ring_header, producer_pid)                                                               \
	X(ring_header, consumer_pid)                                                               \
	X(ring_header, consumer_caps)                                                              \
	X(ring_header, producer_caps)                                                              \
	X(ring_header, reserved4)                                                                  \
	X(ring_header, reserved)                                                                   \
	X(ring_record, word)                                                                       \
	X(ring_record, reserved)                                                                   \
	X(ring, hdr)                                                                               \
	X(ring, data)                                                                              \
	X(ring, capacity)                                                                          \
	X(ring, mask)                                                                              \
	X(ring, max_message)                                                                       \
	X(ring, reserve_limit)                                                                     \
	X(ring, commit_limit)                                                                      \
	X(ring, notify)                                                                            \
	X(ring, barrier_registered)                                                                \
	X(ring, peer_barrier)                                                                      \
	X(ring, sleep_barrier)                                                                     \
	X(ring, asym_ring)                                                                         \
	X(ring, error)                                                                             \
	X(ring, corrupt_off)                                                                       \
	X(ring, corrupt_word)                                                                      \
	X(ring, role)                                                                              \
	X(ring, wait)                                                                              \
	X(ring, tail_local)                                                                        \
	X(ring, head_cache)                                                                        \
	X(ring, zero_to)                                                                           \
	X(ring, pending)                                                                           \
	X(ring, pending_word)                                                                      \
	X(ring, long_record)                                                                       \
	X(ring, reserved_end)                                                                      \
	X(ring, peek_data)                                                                         \
	X(ring, peek_mask)                                                                         \
	X(ring, head_local)                                                                        \
	X(ring, head_shown)                                                                        \
	X(ring, peek_next)                                                                         \
	X(ring, shm_fd)                                                                            \
	X(ring, data_efd)                                                                          \
	X(ring, space_efd)                                                                         \
	X(ring, listen_fd)                                                                         \
	X(ring, peer_pidfd)                                                                        \
	X(ring, wake_uring)                                                                        \
	X(ring, peer_pid)                                                                          \
	X(ring, peer_attached)                                                                     \
	X(ring, syscalls)                                                                          \
	X(ring, sleeps)                                                                            \
	X(ring, barriers)                                                                          \
	X(ring, creator)                                                                           \
	X(ring, owner)                                                                             \
	X(ring, map_len)                                                                           \
	X(ring, name)                                                                              \
	X(ring_config, capacity)                                                                   \
	X(ring_config, wait)

#define RING_LAYOUT_TYPES(X)                                                                       \
	X(ring_header)                                                                             \
	X(ring_record)                                                                             \
	X(ring)                                                                                    \
	X(ring_config)

/* Each field gives its offset and its size, each type its size and its
 * alignment, in this order. */
#define RING_LAYOUT_FIELD(type, field)                                                             \
	offsetof(struct type, field), sizeof(((struct type *)0)->field),
#define RING_LAYOUT_TYPE(type) sizeof(struct type), alignof(struct type),
#define RING_LAYOUT_VALUES     RING_LAYOUT_FIELDS(RING_LAYOUT_FIELD) RING_LAYOUT_TYPES(RING_LAYOUT_TYPE)

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
/* RING_LAYOUT_VALUES as layout_c.c, compiled as C, gives them. */
extern const size_t ring_layout_c[];
extern const size_t ring_layout_c_count;
#ifdef __cplusplus
}
#endif

#endif
