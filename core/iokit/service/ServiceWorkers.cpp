// SPDX-License-Identifier: GPL-2.0-or-later
#include "ServiceWorkers.h"

#include <pthread.h>

namespace iolab {

ServiceWorkers::ServiceWorkers()
{
    m_matching.thread = std::thread(run, std::ref(m_matching), "iolab:matching");
    m_termination.thread = std::thread(run, std::ref(m_termination), "iolab:terminate");
}

ServiceWorkers::~ServiceWorkers()
{
    stop();
}

void ServiceWorkers::run(Queue& queue, const char* name)
{
    pthread_setname_np(pthread_self(), name);
    std::unique_lock lock(queue.mutex);
    for (;;) {
        queue.wake.wait(lock, [&] { return queue.stopping || !queue.jobs.empty(); });
        if (queue.jobs.empty())
            return; // stopping and drained
        auto job = std::move(queue.jobs.front());
        queue.jobs.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

void ServiceWorkers::push(Queue& queue, std::function<void()> job)
{
    {
        std::lock_guard lock(queue.mutex);
        queue.jobs.push_back(std::move(job));
    }
    queue.wake.notify_one();
}

void ServiceWorkers::queueMatching(std::function<void()> job)
{
    push(m_matching, std::move(job));
}

void ServiceWorkers::queueTermination(std::function<void()> job)
{
    push(m_termination, std::move(job));
}

void ServiceWorkers::stopQueue(Queue& queue)
{
    {
        std::lock_guard lock(queue.mutex);
        queue.stopping = true;
    }
    queue.wake.notify_all();
    if (queue.thread.joinable())
        queue.thread.join();
}

void ServiceWorkers::stop()
{
    stopQueue(m_termination);
    stopQueue(m_matching);
}

} // namespace iolab
