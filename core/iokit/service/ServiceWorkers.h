// SPDX-License-Identifier: GPL-2.0-or-later
// The runtime's service threads: iolab:matching runs queued matching jobs,
// iolab:termination runs the later phases of termination. Each is a FIFO of
// jobs; stop() drains nothing further and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace iolab {

class ServiceWorkers {
public:
    ServiceWorkers();
    ~ServiceWorkers();

    void queueMatching(std::function<void()> job);
    void queueTermination(std::function<void()> job);
    /// Runs what is queued, then stops and joins both threads.
    void stop();
    bool onMatchingThread() const { return std::this_thread::get_id() == m_matching.thread.get_id(); }
    bool onTerminationThread() const { return std::this_thread::get_id() == m_termination.thread.get_id(); }

    /// Quiet tracking: notified whenever some service's busy count reaches zero.
    std::mutex quietMutex;
    std::condition_variable quietChanged;

    /// Services whose matching found a personality waiting for an unpublished
    /// resource; publishResource matches them again. Retained.
    std::mutex waitersMutex;
    std::vector<class IOService*> resourceWaiters;

private:
    struct Queue {
        std::mutex mutex;
        std::condition_variable wake;
        std::deque<std::function<void()>> jobs;
        bool stopping = false;
        std::thread thread;
    };
    static void run(Queue& queue, const char* name);
    static void push(Queue& queue, std::function<void()> job);
    static void stopQueue(Queue& queue);
    Queue m_matching;
    Queue m_termination;
};

} // namespace iolab
