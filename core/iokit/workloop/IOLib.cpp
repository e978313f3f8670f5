// SPDX-License-Identifier: GPL-2.0-or-later
// IOLog and the ring it writes to.
#define IOLAB_NO_PRINTF_MACRO
#include <IOKit/IOLib.h>
#include <libkern/libkern.h>
#include <iolab/LogRing.h>

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

int iolab_kernel_printf(const char* format, ...)
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
