// SPDX-License-Identifier: GPL-2.0-or-later
// Termination in I/O Kit's phases.
//   Phase 1 (caller's thread): the service and every client left without an
//   active provider become inactive; interested parties get
//   kIOMessageServiceIsTerminated. Inactive services take no new clients.
//   Phase 2 (termination thread, or the caller's with kIOServiceSynchronous),
//   after matching already under way has finished: willTerminate top-down,
//   didTerminate bottom-up, terminated notifications, then stop (for started
//   drivers) and detach bottom-up. A client that still holds its provider open
//   is stopped when it closes it. free() follows when the last reference goes.
#include "NotificationCenter.h"
#include "ServiceInternals.h"
#include "ServiceWorkers.h"

#include <IOKit/IOLib.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <algorithm>
#include <future>

namespace {

/// Marks `service` inactive; false if it already was.
bool markInactive(IOService* service)
{
    if (service->isInactive())
        return false;
    // Through the friend: casting the service to a made-up subclass to reach
    // the protected setter is undefined behaviour (UBSan reports it).
    IOServiceInternals::setStateBits(service, kIOServiceInactiveState, 0);
    return true;
}

bool allProvidersInactive(IOService* client)
{
    OSSharedPtr<OSArray> providers(client->copyParents(gIOServicePlane), OSNoRetain);
    for (unsigned i = 0; providers && i < providers->getCount(); ++i) {
        auto* provider = OSDynamicCast(IOService, providers->getObject(i));
        if (provider && !provider->isInactive())
            return false;
    }
    return true;
}

/// Extends `victims` (retained, top-down) with every client whose providers are all inactive.
void collectVictims(std::vector<IOService*>& victims, bool markNew)
{
    for (size_t i = 0; i < victims.size(); ++i) {
        OSSharedPtr<OSArray> clients(victims[i]->copyChildren(gIOServicePlane), OSNoRetain);
        for (unsigned k = 0; clients && k < clients->getCount(); ++k) {
            auto* client = OSDynamicCast(IOService, clients->getObject(k));
            if (!client || std::find(victims.begin(), victims.end(), client) != victims.end())
                continue;
            if (!allProvidersInactive(client))
                continue;
            if (markNew)
                markInactive(client);
            else if (!client->isInactive())
                continue;
            client->retain();
            victims.push_back(client);
        }
    }
}

/// `releaseRoot`: the caller's reference on `root` is dropped here, before
/// the providers above go quiet, so that waitQuiet also covers the free.
void phase2(IOService* root, IOOptionBits options, bool releaseRoot)
{
    iolab::Runtime* runtime = iolab::Runtime::current();
    // Keep the providers above `root` busy until this phase has finished: the
    // busy count `root` lent them goes back when it detaches, and waitQuiet on
    // anything above must not return before the subtree is stopped, detached
    // and released.
    std::vector<IOService*> holders;
    {
        OSSharedPtr<OSArray> above(root->copyParents(gIOServicePlane), OSNoRetain);
        for (unsigned i = 0; above && i < above->getCount(); ++i) {
            if (auto* provider = OSDynamicCast(IOService, above->getObject(i))) {
                provider->retain();
                provider->adjustBusy(1);
                holders.push_back(provider);
            }
        }
    }
    std::vector<IOService*> victims{root};
    root->retain();
    collectVictims(victims, true);
    // Let matching that is queued or running finish. Everything collected is
    // inactive now, so matching queued from here on leaves it alone, and
    // attach() refuses (or undoes) links to it; a driver that was attached
    // before it was marked has finished its start. Then collect again, to
    // take in clients attached before they were marked.
    auto& workers = runtime->workers();
    if (!workers.onMatchingThread()) {
        std::promise<void> drained;
        workers.queueMatching([&drained] { drained.set_value(); });
        drained.get_future().wait();
    }
    collectVictims(victims, true);

    struct Pair {
        IOService* client;
        IOService* provider;
    };
    std::vector<Pair> pairs; // top-down; each provider retained
    for (IOService* victim : victims) {
        OSSharedPtr<OSArray> providers(victim->copyParents(gIOServicePlane), OSNoRetain);
        for (unsigned i = 0; providers && i < providers->getCount(); ++i) {
            if (auto* provider = OSDynamicCast(IOService, providers->getObject(i))) {
                provider->retain();
                pairs.push_back({victim, provider});
            }
        }
    }
    // Clients that keep another active provider survive, but lose the
    // terminated one: they are told like the others, then detached from it
    // without a stop (they go on running on their other providers).
    std::vector<Pair> survivors; // client and provider retained
    for (IOService* victim : victims) {
        OSSharedPtr<OSArray> clients(victim->copyChildren(gIOServicePlane), OSNoRetain);
        for (unsigned i = 0; clients && i < clients->getCount(); ++i) {
            auto* client = OSDynamicCast(IOService, clients->getObject(i));
            if (client && std::find(victims.begin(), victims.end(), client) == victims.end()) {
                client->retain();
                victim->retain();
                survivors.push_back({client, victim});
            }
        }
    }
    for (const Pair& pair : pairs)
        pair.client->willTerminate(pair.provider, options);
    for (const Pair& pair : survivors)
        pair.client->willTerminate(pair.provider, options);
    for (const Pair& pair : survivors) {
        bool defer = false;
        pair.client->didTerminate(pair.provider, options, &defer);
    }
    for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) {
        bool defer = false;
        it->client->didTerminate(it->provider, options, &defer);
    }
    for (const Pair& pair : survivors) {
        if (pair.provider->isOpen(pair.client))
            pair.provider->close(pair.client);
        pair.client->detach(pair.provider);
        pair.client->release();
        pair.provider->release();
    }
    for (IOService* victim : victims)
        IOServiceInternals::deliverNotification(kIOTerminatedNotification, victim);
    for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) {
        if (it->provider->isOpen(it->client)) {
            // Stopped when it closes its provider.
            IOServiceInternals::deferStop(it->provider, it->client);
            continue;
        }
        if (IOServiceInternals::wasStarted(it->client)) {
            IOServiceInternals::setStarted(it->client, false);
            it->client->stop(it->provider);
            iolab::trace::record(iolab::trace::Kind::ServiceStop, it->client->getRegistryEntryID(),
                                 it->provider->getRegistryEntryID());
        }
        it->client->detach(it->provider);
    }
    for (const Pair& pair : pairs)
        pair.provider->release();
    root->adjustBusy(-1);
    for (IOService* victim : victims)
        victim->release();
    if (releaseRoot)
        root->release();
    for (IOService* provider : holders) {
        provider->adjustBusy(-1);
        provider->release();
    }
}

} // namespace

bool IOService::terminate(IOOptionBits options)
{
    iolab::Runtime* runtime = iolab::Runtime::current();
    if (!runtime || !markInactive(this))
        return false;
    iolab::trace::record(iolab::trace::Kind::ServiceTerminate, getRegistryEntryID(), options);
    adjustBusy(1); // until phase 2 is done
    std::vector<IOService*> victims{this};
    retain();
    collectVictims(victims, true);
    for (IOService* victim : victims) {
        victim->messageClients(kIOMessageServiceIsTerminated, reinterpret_cast<void*>(static_cast<uintptr_t>(options)));
        victim->release();
    }
    if (options & kIOServiceSynchronous) {
        phase2(this, options, false);
        return true;
    }
    retain();
    runtime->workers().queueTermination([this, options] {
        phase2(this, options, true); // releases the reference taken above
    });
    return true;
}

bool IOService::terminateClient(IOService* client, IOOptionBits options)
{
    return client && client->terminate(options);
}

bool IOService::requestTerminate(IOService*, IOOptionBits)
{
    return true;
}

bool IOService::willTerminate(IOService*, IOOptionBits)
{
    return true;
}

bool IOService::didTerminate(IOService*, IOOptionBits, bool* defer)
{
    if (defer)
        *defer = false;
    return true;
}

bool IOService::finalize(IOOptionBits)
{
    return true;
}
