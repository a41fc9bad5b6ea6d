/* test_profile.c: callgrind's output read back and two builds compared,
 * on small hand-written files with known answers (data/callgrind.*):
 * name compression, relative positions, inlined files, calls left out of
 * a function's own count, numbers beyond 64 bits refused; lines matched
 * by their text where one was added above them, the occurrence of a
 * repeated line kept apart, the source function of an inlined line named,
 * small changes left out. */
#include "judge/profile.h"
#include "check.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef DATA_DIR
#define DATA_DIR "."
#endif

static unsigned long long cost_at(const struct profile_data *d, const char *fn, const char *file,
				  long line)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].fn, fn) && !strcmp(d->v[i].file, file) && d->v[i].line == line)
			return d->v[i].ir;
	return 0;
}

static int parse_text(const char *text, struct profile_data *d, char *err, size_t n)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	CHECK(f);
	int rc = profile_parse(f, "text", d, err, n);
	fclose(f);
	return rc;
}

/* Numbers beyond 64 bits: positions that leave the range, counts that
 * wrap (and could be made to match totals:), negative counts. */
static void test_parse_range(void)
{
	struct profile_data d;
	char err[600];
	CHECK(profile_load(DATA_DIR "/callgrind.ovf.out", &d, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 5: a position outside the range"));
	CHECK(profile_load(DATA_DIR "/callgrind.wrap.out", &d, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 5: the costs add up to more than 18446744073709551615"));
	CHECK(parse_text("events: Ir\nfn=f\n-9223372036854775807 1\n-2 1\n", &d, err,
			 sizeof(err)) == -1);
	CHECK(strstr(err, "line 4: a position outside"));
	CHECK(parse_text("events: Ir\nfn=f\n9223372036854775808 1\n", &d, err, sizeof(err)) == -1);
	CHECK(parse_text("events: Ir\nfn=f\n1 18446744073709551616\n", &d, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 3: a count above"));
	CHECK(parse_text("events: Ir\nfn=f\n1 -1\n", &d, err, sizeof(err)) == -1);
	CHECK(parse_text("events: Ir\nfn=f\n1 5\ntotals: -1\n", &d, err, sizeof(err)) == -1);
	/* The largest sum is kept, and relative positions up to the range's
	 * ends are read, in hex too. */
	CHECK(parse_text("events: Ir\nfn=f\n1 18446744073709551614\n"
			 "+9223372036854775806 1\n-0x7fffffffffffffff 0\n-1 2\n"
			 "totals: 18446744073709551615\n",
			 &d, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 6: the costs add up to more than"));
	CHECK(parse_text("events: Ir\nfn=f\n1 18446744073709551614\n"
			 "+9223372036854775806 1\n-0x7fffffffffffffff 0\n"
			 "-9223372036854775807 0\n-1 0\ntotals: 18446744073709551615\n",
			 &d, err, sizeof(err)) == 0);
	CHECK(d.total == ULLONG_MAX);
	CHECK_EQ(cost_at(&d, "f", "???", 9223372036854775807LL), 1);
	profile_data_free(&d);
}

static void test_parse(void)
{
	struct profile_data d;
	char err[600];
	CHECK(profile_load(DATA_DIR "/callgrind.a.out", &d, err, sizeof(err)) == 0);
	/* Self costs only: do_op's inclusive call line is not its own. */
	CHECK_EQ(d.total, 13510);
	const char *rh = "/build/harness/gbench/./ring.h", *gb = "/build/harness/gbench/./gbench.c";
	CHECK_EQ(cost_at(&d, "gb_op_publish", gb, 3), 2000);
	CHECK_EQ(cost_at(&d, "gb_op_publish", rh, 6), 1000);
	CHECK_EQ(cost_at(&d, "gb_op_publish", rh, 14), 10);
	/* After a call, "+1" counts from the last cost line's position. */
	CHECK_EQ(cost_at(&d, "gb_op_publish", rh, 15), 1000);
	CHECK_EQ(cost_at(&d, "gb_op_publish", gb, 7), 2000);
	CHECK_EQ(cost_at(&d, "ring__wake", "/build/ring/./ring.c", 21), 200);
	CHECK_EQ(cost_at(&d, "do_op", gb, 30), 0);
	profile_data_free(&d);

	/* Positions by address and line: the line column is the one read. */
	CHECK(profile_load(DATA_DIR "/callgrind.instr.out", &d, err, sizeof(err)) == 0);
	CHECK_EQ(d.total, 15);
	CHECK_EQ(cost_at(&d, "main", "a.c", 10), 5);
	CHECK_EQ(cost_at(&d, "main", "a.c", 11), 5);
	CHECK_EQ(cost_at(&d, "main", "a.c", 12), 1);
	CHECK_EQ(cost_at(&d, "helper", "a.c", 20), 4);
	profile_data_free(&d);

	/* Refused: an id never defined, no events line or no Ir among them,
	 * totals the costs do not add up to (a call's cost taken as the
	 * caller's own). */
	CHECK(parse_text("events: Ir\nfl=(1) a.c\nfn=(9)\n10 5\n", &d, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 3"));
	CHECK(parse_text("fl=(1) a.c\nfn=(1) f\n10 5\n", &d, err, sizeof(err)) == -1);
	CHECK(parse_text("events: Dr\nfl=(1) a.c\nfn=(1) f\n10 5\n", &d, err, sizeof(err)) == -1);
	CHECK(parse_text("events: Ir\nfl=(1) a.c\nfn=(1) f\n10 5\ncfn=(2) g\ncalls=1 20\n"
			 "10 100\ntotals: 105\n",
			 &d, err, sizeof(err)) == -1);
	CHECK(strstr(err, "add up to 5"));
	CHECK(profile_load(DATA_DIR "/no-such-file", &d, err, sizeof(err)) == -1);
	test_parse_range();
}

static void test_enclosing(void)
{
	char *text[] = {"/* a header */",
			"static inline RING_ATOMIC(uint32_t) *ring__word(struct ring *r,",
			"\t\t\t\t\t\t  uint64_t index)",
			"/* clang-format on */",
			"{",
			"\treturn r->words + index;",
			"}",
			"",
			"static int table[] = {",
			"\t1,",
			"};",
			"__attribute__((noinline)) static bool gb_op_publish(struct ring *r)",
			"{",
			"\tif (!r)",
			"\t\treturn false;",
			"}"};
	int n = (int)(sizeof(text) / sizeof(text[0]));
	char name[64];
	CHECK_EQ(profile_enclosing(text, n, 6, name, sizeof(name)), 5);
	CHECK(!strcmp(name, "ring__word"));
	CHECK_EQ(profile_enclosing(text, n, 7, name, sizeof(name)), 5);
	CHECK_EQ(profile_enclosing(text, n, 10, name, sizeof(name)), 0);
	CHECK(!strcmp(name, ""));
	CHECK_EQ(profile_enclosing(text, n, 15, name, sizeof(name)), 13);
	CHECK(!strcmp(name, "gb_op_publish"));
	CHECK_EQ(profile_enclosing(text, n, 99, name, sizeof(name)), 0);
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static const json_t *line_of(const json_t *fn, const char *text)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(fn, "lines"), i, l)
	{
		const char *t = json_string_value(json_object_get(l, "text"));
		if (t && !strcmp(t, text))
			return l;
	}
	return NULL;
}

static void test_compare(void)
{
	struct profile_side s[2] = {
	    {.label = "A", .src = DATA_DIR "/callgrind.a"},
	    {.label = "B", .src = DATA_DIR "/callgrind.b"},
	};
	const char *const paths[2] = {DATA_DIR "/callgrind.a.out", DATA_DIR "/callgrind.b.out"};
	char err[600];
	json_t *p = profile_compare_files("publish/size:64", paths, 1000, s, err, sizeof(err));
	CHECK(p);
	CHECK_EQ(profile_operations(p), 1);
	CHECK_EQ(json_array_size(json_object_get(p, "notes")), 0);
	json_t *op = json_array_get(json_object_get(p, "operations"), 0);
	CHECK(fabs(num(op, "a") - 13.51) < 1e-9 && fabs(num(op, "b") - 16.81) < 1e-9);
	/* One function moved: ring__wake did not, and is not shown. */
	json_t *fns = json_object_get(op, "functions");
	CHECK_EQ(json_array_size(fns), 1);
	json_t *fn = json_array_get(fns, 0);
	CHECK(!strcmp(json_string_value(json_object_get(fn, "function")), "gb_op_publish"));
	CHECK(fabs(num(fn, "change") - 3.3) < 1e-9);
	/* Two lines: the new one, and the second of two equal lines, whose
	 * number moved with it; the lines that merely moved are not shown,
	 * nor the one that moved by 0.3. */
	CHECK_EQ(json_array_size(json_object_get(fn, "lines")), 2);
	const json_t *nop = line_of(fn, "__asm__ volatile(\"nop\");");
	CHECK(nop && fabs(num(nop, "change") - 1.0) < 1e-9);
	CHECK_EQ(json_integer_value(json_object_get(nop, "line_b")), 12);
	CHECK_EQ(json_integer_value(json_object_get(nop, "line_a")), 0);
	CHECK(!strcmp(json_string_value(json_object_get(nop, "source_function")), "ring_publish"));
	CHECK(!strcmp(json_string_value(json_object_get(nop, "file")), "ring.h"));
	const json_t *seen = line_of(fn, "r->seen++;");
	CHECK(seen && fabs(num(seen, "change") - 2.0) < 1e-9);
	CHECK_EQ(json_integer_value(json_object_get(seen, "line_a")), 15);
	CHECK_EQ(json_integer_value(json_object_get(seen, "line_b")), 16);

	/* The table names the function, the line and its text. */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	CHECK(f);
	profile_print(f, p);
	fclose(f);
	CHECK(strstr(out, "publish/size:64: +3.30 instructions per operation"));
	CHECK(strstr(out, "ring.h:12 (ring_publish)"));
	CHECK(strstr(out, "ring.h:16 (A: 15) (ring_publish)"));
	CHECK(strstr(out, "`__asm__ volatile(\"nop\");`"));
	free(out);
	json_decref(p);

	/* Without B's text its lines cannot meet A's: matched by number, and
	 * said so. */
	s[1].src = DATA_DIR "/no-such-folder";
	p = profile_compare_files("publish/size:64", paths, 1000, s, err, sizeof(err));
	CHECK(p);
	CHECK_EQ(json_array_size(json_object_get(p, "notes")), 1);
	const char *note = json_string_value(json_array_get(json_object_get(p, "notes"), 0));
	CHECK(strstr(note, "B: no text of ") && strstr(note, "no-such-folder") &&
	      strstr(note, "matched by number"));
	json_decref(p);

	/* The same build twice: nothing moved, nothing to show. */
	const char *const same[2] = {paths[0], paths[0]};
	s[1].src = s[0].src;
	p = profile_compare_files("publish/size:64", same, 1000, s, err, sizeof(err));
	CHECK(p && profile_operations(p) == 0);
	json_decref(p);
}

int main(void)
{
	test_parse();
	test_enclosing();
	test_compare();
	printf("test_profile: ok\n");
	return 0;
}
