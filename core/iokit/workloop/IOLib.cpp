// SPDX-License-Identifier: GPL-2.0-or-later
// IOLog and the ring it writes to.
#define IOLAB_NO_PRINTF_MACRO
#include <IOKit/IOLib.h>
#include <libkern/libkern.h>
#include <iolab/ExecutionContext.h>
#include <iolab/LogRing.h>
#include <iolab/Trace.h>

#include <algorithm>
#include <cstdarg>
#include <cstdlib>
#include <ctime>
#include <unistd.h>
#include <sys/syscall.h>

namespace iolab {

namespace {
thread_local uint64_t t_threadEntry = 0;

uint64_t monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
}
} // namespace

LogRing::LogRing(size_t capacity) : m_capacity(std::max<size_t>(capacity, 1))
{
    m_lines.resize(m_capacity);
}

LogRing& LogRing::global()
{
    static LogRing* ring = [] {
        auto* created = new LogRing;
        if (const char* echo = std::getenv("IOLAB_LOG_STDERR"); echo && *echo && *echo != '0')
            created->setEcho(stderr);
        return created;
    }();
    return *ring;
}

void LogRing::append(std::string_view text, uint64_t registryID)
{
    while (!text.empty()) {
        size_t end = text.find('\n');
        appendLine(text.substr(0, end), registryID);
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
}

void LogRing::appendLine(std::string_view line, uint64_t registryID)
{
    LogLine entry;
    entry.timestampNs = monotonicNs();
    entry.registryID = registryID;
    entry.threadID = static_cast<uint32_t>(::syscall(SYS_gettid));
    if (line.size() > kMaxLineBytes) {
        entry.text.assign(line.substr(0, kMaxLineBytes));
        entry.text += "\u2026";
    } else {
        entry.text.assign(line);
    }
    trace::recordText(trace::Kind::Log, registryID, entry.text);
    FILE* echo = nullptr;
    {
        std::lock_guard lock(m_mutex);
        entry.sequence = m_next;
        if (m_next >= m_capacity)
            ++m_dropped; // the slot we take held a line nobody can read any more
        echo = m_echo;
        if (echo)
            std::fprintf(echo, "%s\n", entry.text.c_str());
        m_lines[m_next % m_capacity] = std::move(entry);
        ++m_next;
    }
    m_newLine.notify_all();
}

LogRing::Batch LogRing::read(uint64_t from, size_t maxLines) const
{
    Batch batch;
    std::lock_guard lock(m_mutex);
    const uint64_t oldest = m_next > m_capacity ? m_next - m_capacity : 0;
    if (from < oldest) {
        batch.missed = oldest - from;
        from = oldest;
    }
    for (uint64_t sequence = from; sequence < m_next && batch.lines.size() < maxLines; ++sequence)
        batch.lines.push_back(m_lines[sequence % m_capacity]);
    batch.next = from + batch.lines.size();
    return batch;
}

bool LogRing::waitFor(uint64_t sequence, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(m_mutex);
    return m_newLine.wait_for(lock, timeout, [&] { return m_next > sequence; });
}

uint64_t LogRing::nextSequence() const
{
    std::lock_guard lock(m_mutex);
    return m_next;
}

uint64_t LogRing::dropped() const
{
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

void LogRing::setEcho(FILE* stream)
{
    std::lock_guard lock(m_mutex);
    m_echo = stream;
}

void LogRing::setThreadEntry(uint64_t registryID)
{
    t_threadEntry = registryID;
}

uint64_t LogRing::threadEntry()
{
    return t_threadEntry;
}

} // namespace iolab

void IOLogv(const char* format, va_list arguments)
{
    iolab::checkMayBlock("IOLog");
    char buffer[iolab::LogRing::kMaxLineBytes + 64];
    va_list copy;
    va_copy(copy, arguments);
    int length = std::vsnprintf(buffer, sizeof buffer, format, copy);
    va_end(copy);
    if (length < 0)
        return;
    if (static_cast<size_t>(length) < sizeof buffer) {
        iolab::LogRing::global().append(std::string_view(buffer, static_cast<size_t>(length)),
                                        iolab::LogRing::threadEntry());
        return;
    }
    std::string large(static_cast<size_t>(length) + 1, '\0');
    std::vsnprintf(large.data(), large.size(), format, arguments);
    large.resize(static_cast<size_t>(length));
    iolab::LogRing::global().append(large, iolab::LogRing::threadEntry());
}

void IOLog(const char* format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    IOLogv(format, arguments);
    va_end(arguments);
}

extern "C" int iolab_kernel_printf(const char* format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    char probe[1];
    va_list copy;
    va_copy(copy, arguments);
    int length = std::vsnprintf(probe, sizeof probe, format, copy);
    va_end(copy);
    IOLogv(format, arguments);
    va_end(arguments);
    return length;
}

// --- memory -------------------------------------------------------------------------------------

#include <iolab/ExecutionContext.h>
#include <iolab/RuntimeClock.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <pthread.h>

namespace {

constexpr uint64_t kBlockMagic = 0x494f4c61624d656dull; // "IOLabMem"
constexpr size_t kPage = 4096;

/// Lives just before every block IOMalloc hands out.
struct alignas(16) BlockHeader {
    uint64_t magic;
    uint64_t size;
    void* base;     // what malloc returned (differs for aligned blocks)
    uint64_t aligned;
};

std::atomic<uint64_t> s_liveBlocks{0}, s_liveBytes{0}, s_mismatched{0};

uint64_t accounted(uint64_t size)
{
    return size >= kPage ? (size + kPage - 1) / kPage * kPage : size;
}

void* allocate(vm_size_t size, vm_offset_t alignment, const char* call)
{
    iolab::checkMayBlock(call);
    size_t align = 16;
    while (align < alignment)
        align <<= 1;
    const size_t total = sizeof(BlockHeader) + size + align;
    void* base = std::calloc(1, total);
    if (!base)
        return nullptr;
    uintptr_t start = reinterpret_cast<uintptr_t>(base) + sizeof(BlockHeader);
    start = (start + align - 1) & ~(static_cast<uintptr_t>(align) - 1);
    auto* header = reinterpret_cast<BlockHeader*>(start) - 1;
    header->magic = kBlockMagic;
    header->size = size;
    header->base = base;
    header->aligned = alignment > 16;
    s_liveBlocks.fetch_add(1, std::memory_order_relaxed);
    s_liveBytes.fetch_add(accounted(size), std::memory_order_relaxed);
    return reinterpret_cast<void*>(start);
}

void release(void* address, vm_size_t size, const char* call)
{
    if (!address)
        return;
    auto* header = static_cast<BlockHeader*>(address) - 1;
    if (header->magic != kBlockMagic) {
        s_mismatched.fetch_add(1, std::memory_order_relaxed);
        IOLog("%s: %p was not allocated by IOMalloc; not freed\n", call, address);
        return;
    }
    if (header->size != size) {
        s_mismatched.fetch_add(1, std::memory_order_relaxed);
        IOLog("%s: %p freed with size %zu but allocated with %llu\n", call, address, static_cast<size_t>(size),
              static_cast<unsigned long long>(header->size));
    }
    s_liveBlocks.fetch_sub(1, std::memory_order_relaxed);
    s_liveBytes.fetch_sub(accounted(header->size), std::memory_order_relaxed);
    header->magic = 0;
    std::free(header->base);
}

} // namespace

void* IOMalloc(vm_size_t size)
{
    return allocate(size, 0, "IOMalloc");
}

void* IOMallocZero(vm_size_t size)
{
    return allocate(size, 0, "IOMallocZero");
}

void IOFree(void* address, vm_size_t size)
{
    release(address, size, "IOFree");
}

void* IOMallocAligned(vm_size_t size, vm_offset_t alignment)
{
    return allocate(size, alignment, "IOMallocAligned");
}

void IOFreeAligned(void* address, vm_size_t size)
{
    release(address, size, "IOFreeAligned");
}

void* IOMallocData(vm_size_t size)
{
    return allocate(size, 0, "IOMallocData");
}

void IOFreeData(void* address, vm_size_t size)
{
    release(address, size, "IOFreeData");
}

// --- time -----------------------------------------------------------------------------------------

void IOSleep(unsigned milliseconds)
{
    iolab::checkMayBlock("IOSleep");
    auto& clock = iolab::RuntimeClock::current();
    const uint64_t deadline = clock.now() + uint64_t(milliseconds) * 1000000ull;
    std::mutex mutex;
    std::condition_variable never;
    std::unique_lock lock(mutex);
    clock.waitUntil(lock, never, deadline, [] { return false; });
}

void IOSleepWithLeeway(unsigned intervalMilliseconds, unsigned)
{
    IOSleep(intervalMilliseconds);
}

void IODelay(unsigned microseconds)
{
    const uint64_t end = iolab::RuntimeClock::monotonicNow() + uint64_t(microseconds) * 1000ull;
    while (iolab::RuntimeClock::monotonicNow() < end) {
    }
}

void IOPause(unsigned nanoseconds)
{
    const uint64_t end = iolab::RuntimeClock::monotonicNow() + nanoseconds;
    while (iolab::RuntimeClock::monotonicNow() < end) {
    }
}

void clock_get_uptime(uint64_t* result)
{
    *result = iolab::RuntimeClock::current().now();
}

void nanoseconds_to_absolutetime(uint64_t nanoseconds, uint64_t* result)
{
    *result = nanoseconds; // absolute time is nanoseconds on the runtime clock
}

void absolutetime_to_nanoseconds(uint64_t absoluteTime, uint64_t* result)
{
    *result = absoluteTime;
}

void clock_interval_to_deadline(uint32_t interval, uint32_t scaleFactor, uint64_t* result)
{
    *result = iolab::RuntimeClock::current().now() + uint64_t(interval) * scaleFactor;
}

// --- kernel threads -----------------------------------------------------------------------------------

struct iolab_thread {
    std::atomic<int> references{2}; // the thread's own and the starter's
};

namespace {
std::mutex s_threadsMutex;
std::condition_variable s_threadsDone;
unsigned s_runningThreads = 0;
thread_local iolab_thread* t_currentThread = nullptr;

void dropThread(iolab_thread* thread)
{
    if (thread && thread->references.fetch_sub(1) == 1)
        delete thread;
}
} // namespace

kern_return_t kernel_thread_start(thread_continue_t continuation, void* parameter, thread_t* newThread)
{
    if (!continuation || !newThread)
        return KERN_INVALID_ARGUMENT;
    auto* handle = new iolab_thread;
    {
        std::lock_guard lock(s_threadsMutex);
        ++s_runningThreads;
    }
    try {
        std::thread([continuation, parameter, handle] {
            pthread_setname_np(pthread_self(), "iolab:kthread");
            t_currentThread = handle;
            continuation(parameter, THREAD_AWAKENED);
            t_currentThread = nullptr;
            dropThread(handle);
            std::lock_guard lock(s_threadsMutex);
            --s_runningThreads;
            s_threadsDone.notify_all();
        }).detach();
    } catch (const std::system_error&) {
        delete handle;
        std::lock_guard lock(s_threadsMutex);
        --s_runningThreads;
        return KERN_RESOURCE_SHORTAGE;
    }
    *newThread = handle;
    return KERN_SUCCESS;
}

void thread_deallocate(thread_t thread)
{
    dropThread(thread);
}

thread_t current_thread(void)
{
    if (!t_currentThread) {
        // Threads not started by kernel_thread_start get a handle that lives as long as they do.
        static thread_local iolab_thread own;
        own.references.store(1 << 30);
        return &own;
    }
    return t_currentThread;
}

namespace iolab {

MallocStatistics mallocStatistics()
{
    return {s_liveBlocks.load(), s_liveBytes.load(), s_mismatched.load()};
}

unsigned runningKernelThreads()
{
    std::lock_guard lock(s_threadsMutex);
    return s_runningThreads;
}

bool waitForKernelThreads(uint64_t timeoutNs)
{
    std::unique_lock lock(s_threadsMutex);
    return s_threadsDone.wait_for(lock, std::chrono::nanoseconds(timeoutNs), [] { return s_runningThreads == 0; });
}

} // namespace iolab
