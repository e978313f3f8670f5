// SPDX-License-Identifier: GPL-2.0-or-later
// The IOLog ring: a bounded in-memory log that the log viewer, the CLI and the
// tests read. When full, the oldest line is overwritten and counted as dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace iolab {

struct LogLine {
    uint64_t sequence = 0;     ///< 0, 1, 2, … in order of logging
    uint64_t timestampNs = 0;  ///< CLOCK_MONOTONIC
    uint64_t registryID = 0;   ///< entry that logged (0: none known)
    uint32_t threadID = 0;     ///< Linux thread id
    std::string text;          ///< without the trailing newline
};

/// Thread: any. Lock: m_mutex guards everything; readers copy lines out.
class LogRing {
public:
    static constexpr size_t kDefaultCapacity = 8192;
    static constexpr size_t kMaxLineBytes = 1024;

    explicit LogRing(size_t capacity = kDefaultCapacity);

    /// The ring IOLog writes to.
    static LogRing& global();

    /// Appends one line per '\n'-separated piece of `text` (a trailing newline is
    /// not a line); pieces longer than kMaxLineBytes are cut and end with "…".
    void append(std::string_view text, uint64_t registryID = 0);

    struct Batch {
        std::vector<LogLine> lines;
        uint64_t next = 0;   ///< sequence to read from next time
        uint64_t missed = 0; ///< lines between `from` and the first line returned that were overwritten
    };
    /// Lines with sequence ≥ `from`, oldest first, at most `maxLines`.
    Batch read(uint64_t from, size_t maxLines = SIZE_MAX) const;
    /// Waits until a line with sequence ≥ `sequence` exists or the timeout passes.
    bool waitFor(uint64_t sequence, std::chrono::milliseconds timeout) const;

    uint64_t nextSequence() const;
    /// Lines discarded because the ring was full (the oldest go first).
    uint64_t dropped() const;
    size_t capacity() const { return m_capacity; }
    /// Also writes every line to `stream` (NULL: stop echoing).
    void setEcho(FILE* stream);

    /// The registry entry that code on this thread is running for; IOLog tags lines with it.
    static void setThreadEntry(uint64_t registryID);
    static uint64_t threadEntry();

private:
    void appendLine(std::string_view line, uint64_t registryID);

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_newLine;
    std::vector<LogLine> m_lines; // ring storage, m_capacity slots
    size_t m_capacity;
    uint64_t m_next = 0;
    uint64_t m_dropped = 0;
    FILE* m_echo = nullptr;
};

} // namespace iolab
