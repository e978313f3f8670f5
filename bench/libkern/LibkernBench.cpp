// SPDX-License-Identifier: GPL-2.0-or-later
// bench_libkern: the costs every driver pays on its hot paths (symbol lookup,
// property get/set, retain/release), and the floor they are compared with: an
// uncontended atomic increment and decrement, which is what a retain/release
// pair must at least cost.
#include <libkern/c++/OSContainers.h>
#include <libkern/c++/OSSharedPtr.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

namespace {

/// `count` distinct symbols like the property keys of a registry entry.
std::vector<OSSharedPtr<const OSSymbol>> makeKeys(size_t count)
{
    std::vector<OSSharedPtr<const OSSymbol>> keys;
    keys.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const std::string name = "IOBenchProperty" + std::to_string(i);
        keys.emplace_back(OSSymbol::withCString(name.c_str()), OSNoRetain);
    }
    return keys;
}

OSSharedPtr<OSDictionary> makeDictionary(const std::vector<OSSharedPtr<const OSSymbol>>& keys)
{
    OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(static_cast<unsigned>(keys.size())), OSNoRetain);
    OSSharedPtr<OSNumber> value(OSNumber::withNumber(42ull, 32), OSNoRetain);
    for (const auto& key : keys)
        dict->setObject(key.get(), value.get());
    return dict;
}

// The hit path: the symbol exists (a driver looking up a well-known key).
void BM_SymbolWithCStringHit(benchmark::State& state)
{
    OSSharedPtr<const OSSymbol> keep(OSSymbol::withCString("IOPCIDevice"), OSNoRetain);
    for (auto _ : state) {
        const OSSymbol* symbol = OSSymbol::withCString("IOPCIDevice");
        benchmark::DoNotOptimize(symbol);
        symbol->release();
    }
}
BENCHMARK(BM_SymbolWithCStringHit);

// Replacing the value of an existing key: the key is found, the new value
// retained and the old one released.
void BM_DictSetObjectSymbol(benchmark::State& state)
{
    const auto keys = makeKeys(static_cast<size_t>(state.range(0)));
    auto dict = makeDictionary(keys);
    OSSharedPtr<OSNumber> values[2] = {OSSharedPtr<OSNumber>(OSNumber::withNumber(1ull, 32), OSNoRetain),
                                       OSSharedPtr<OSNumber>(OSNumber::withNumber(2ull, 32), OSNoRetain)};
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(dict->setObject(keys[i % keys.size()].get(), values[i & 1].get()));
        ++i;
    }
}
BENCHMARK(BM_DictSetObjectSymbol)->Arg(10)->Arg(1000);

void BM_DictGetObjectSymbol(benchmark::State& state)
{
    const auto keys = makeKeys(static_cast<size_t>(state.range(0)));
    auto dict = makeDictionary(keys);
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(dict->getObject(keys[i % keys.size()].get()));
        ++i;
    }
}
BENCHMARK(BM_DictGetObjectSymbol)->Arg(10)->Arg(1000);

// getObject(const char*) looks the text up in the symbol pool first.
void BM_DictGetObjectCString(benchmark::State& state)
{
    const auto keys = makeKeys(static_cast<size_t>(state.range(0)));
    auto dict = makeDictionary(keys);
    std::vector<std::string> names;
    for (const auto& key : keys)
        names.emplace_back(key->getCStringNoCopy());
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(dict->getObject(names[i % names.size()].c_str()));
        ++i;
    }
}
BENCHMARK(BM_DictGetObjectCString)->Arg(10)->Arg(1000);

void BM_RetainRelease(benchmark::State& state)
{
    OSSharedPtr<OSNumber> object(OSNumber::withNumber(7ull, 32), OSNoRetain);
    const OSObject* borrowed = object.get();
    for (auto _ : state) {
        benchmark::DoNotOptimize(borrowed);
        borrowed->retain();
        borrowed->release();
    }
}
BENCHMARK(BM_RetainRelease);

// The floor: the same two atomic operations OSObject performs (a relaxed
// increment and an acquire-release decrement), inline and uncontended.
void BM_AtomicFetchAddSub(benchmark::State& state)
{
    std::atomic<int> count{1};
    for (auto _ : state) {
        benchmark::DoNotOptimize(count.fetch_add(1, std::memory_order_relaxed));
        benchmark::DoNotOptimize(count.fetch_sub(1, std::memory_order_acq_rel));
    }
}
BENCHMARK(BM_AtomicFetchAddSub);

} // namespace

BENCHMARK_MAIN();
