/* ring.h: a made-up fast path, build B of test_profile. */
static inline bool ring_reserve(struct ring *r, size_t len)
{
	if (len > r->room)
		return false;
	r->room -= len;
	return true;
}

static inline void ring_publish(struct ring *r)
{
	__asm__ volatile("nop");
	r->seen++;
	if (r->waiting)
		ring__wake(r);
	r->seen++;
}
