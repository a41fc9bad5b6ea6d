/* gbench.c: the operation test_profile's made-up profiles count. */
__attribute__((noinline)) static bool gb_op_publish(struct ring *r, size_t size)
{
	if (!ring_reserve(r, size))
		return false;
	ring_publish(r);
	return true;
}
