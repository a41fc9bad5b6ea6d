// gbench.cc: the C shim's C++ side (gbench.h): each C call forwards to
// libbenchmark's own API, nothing more.
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

struct gbench_state {
	benchmark::State *st;
};

struct gbench_bench {
	benchmark::internal::Benchmark *b;
	int multiplier;
};

namespace
{
bool any_error = false; // a run called gbench_skip_with_error
// Every handle lives as long as the program, as libbenchmark's own
// registrations do.
std::vector<std::unique_ptr<gbench_bench>> handles;
} // namespace

extern "C" {

// No C++ exception may cross into C: every entry point is noexcept, so an
// allocation failure inside libbenchmark ends the program (std::terminate),
// as the header says.
gbench_bench *gbench_register(const char *name, gbench_fn fn, void *arg) noexcept
{
	handles.push_back(std::make_unique<gbench_bench>());
	gbench_bench *h = handles.back().get();
	h->multiplier = 8;
	h->b = benchmark::RegisterBenchmark(name, [fn, arg](benchmark::State &st) {
		gbench_state s{&st};
		fn(&s, arg);
	});
	return h;
}

void gbench_arg(gbench_bench *b, int64_t v) noexcept
{
	b->b->Arg(v);
}

void gbench_ranges(gbench_bench *b, int64_t lo, int64_t hi) noexcept
{
	b->b->RangeMultiplier(b->multiplier)->Range(lo, hi);
}

void gbench_range_multiplier(gbench_bench *b, int m) noexcept
{
	b->multiplier = m;
}

void gbench_arg_name(gbench_bench *b, const char *name) noexcept
{
	b->b->ArgName(name);
}

void gbench_use_manual_time(gbench_bench *b) noexcept
{
	b->b->UseManualTime();
}

void gbench_fixed_iterations(gbench_bench *b, int64_t n) noexcept
{
	b->b->Iterations(n);
}

void gbench_min_time(gbench_bench *b, double seconds) noexcept
{
	b->b->MinTime(seconds);
}

void gbench_repetitions(gbench_bench *b, int n) noexcept
{
	b->b->Repetitions(n);
}

bool gbench_keep_running(gbench_state *s) noexcept
{
	return s->st->KeepRunning();
}

int64_t gbench_range(gbench_state *s, int i) noexcept
{
	return s->st->range(static_cast<std::size_t>(i));
}

int64_t gbench_iterations(gbench_state *s) noexcept
{
	return static_cast<int64_t>(s->st->iterations());
}

void gbench_pause(gbench_state *s) noexcept
{
	s->st->PauseTiming();
}

void gbench_resume(gbench_state *s) noexcept
{
	s->st->ResumeTiming();
}

void gbench_set_iteration_time(gbench_state *s, double seconds) noexcept
{
	s->st->SetIterationTime(seconds);
}

void gbench_set_bytes(gbench_state *s, int64_t bytes) noexcept
{
	s->st->SetBytesProcessed(bytes);
}

void gbench_set_items(gbench_state *s, int64_t items) noexcept
{
	s->st->SetItemsProcessed(items);
}

void gbench_counter(gbench_state *s, const char *name, double v,
		    enum gbench_counter_kind k) noexcept
{
	benchmark::Counter::Flags f = benchmark::Counter::kDefaults;
	if (k == GBENCH_COUNTER_RATE)
		f = benchmark::Counter::kIsRate;
	else if (k == GBENCH_COUNTER_PER_ITERATION)
		f = benchmark::Counter::kAvgIterations;
	s->st->counters[name] = benchmark::Counter(v, f);
}

void gbench_label(gbench_state *s, const char *label) noexcept
{
	s->st->SetLabel(label);
}

void gbench_skip_with_error(gbench_state *s, const char *message) noexcept
{
	any_error = true;
	s->st->SkipWithError(message);
}

void gbench_add_context(const char *key, const char *value) noexcept
{
	benchmark::AddCustomContext(key, value);
}

int gbench_main(int argc, char **argv) noexcept
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	std::size_t ran = benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	if (ran == 0) {
		std::fprintf(stderr, "%s: no benchmark matches the filter\n", argv[0]);
		return 2;
	}
	return any_error ? 1 : 0;
}

} // extern "C"
