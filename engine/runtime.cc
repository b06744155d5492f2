// The engine runtime: see runtime.h.
#include "engine/runtime.h"

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <variant>

#include "engine/overloaded.h"

namespace discosim::engine {

Delivered Runtime::Post(Message message, Origin origin) {
  if (mailbox_.size() >= mailbox_max_) return Delivered::kMailboxFull;
  mailbox_.push_back(std::move(message));
  origins_.push_back(origin);
  return Delivered::kQueued;
}

Queued Runtime::Pop() {
  if (mailbox_.empty()) {
    std::fprintf(stderr, "engine runtime: Pop on an empty mailbox\n");
    std::abort();
  }
  Queued next{std::move(mailbox_.front()), origins_.front()};
  mailbox_.pop_front();
  origins_.pop_front();
  return next;
}

Carried Runtime::Carry(const Effect& effect, TimeMs now_ms, Origin self_origin) {
  Carried carried;
  std::visit(Overloaded{
                 [&](const SendToSelf& send) {
                   const bool queued = Post(send.message, self_origin) == Delivered::kQueued;
                   carried.kind = queued ? Carried::Kind::kQueued : Carried::Kind::kMailboxFull;
                 },
                 [&](const DropQueuedChecks&) {
                   carried.kind = Carried::Kind::kChecksDropped;
                   carried.dropped_origins = DropChecks();
                 },
                 [&](const StartTimer& start) {
                   timers_[start.timer] = PendingTimer{now_ms, start.delay_ms, start.message};
                   carried.kind = Carried::Kind::kTimerStarted;
                   carried.timer = start.timer;
                   carried.delay_ms = start.delay_ms;
                 },
                 [&](const CancelTimer& cancel) {
                   timers_.erase(cancel.timer);
                   carried.kind = Carried::Kind::kTimerCancelled;
                   carried.timer = cancel.timer;
                 },
                 [](const auto&) {},  // kForHost
             },
             effect);
  return carried;
}

Delivered Runtime::FireTimer(TimerId timer, Origin origin) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return Delivered::kNotPending;
  Message message = std::move(it->second.message);
  timers_.erase(it);
  return Post(std::move(message), origin);
}

void Runtime::Clear() {
  mailbox_.clear();
  origins_.clear();
  timers_.clear();
}

std::vector<Origin> Runtime::DropChecks() {
  // Compacts in place: the kept messages slide forward in their order.
  std::vector<Origin> dropped;
  size_t kept = 0;
  for (size_t i = 0; i < mailbox_.size(); ++i) {
    if (std::holds_alternative<Check>(mailbox_[i])) {
      dropped.push_back(origins_[i]);
      continue;
    }
    if (kept != i) {
      mailbox_[kept] = std::move(mailbox_[i]);
      origins_[kept] = origins_[i];
    }
    ++kept;
  }
  mailbox_.resize(kept);
  origins_.resize(kept);
  return dropped;
}

}  // namespace discosim::engine
