#include "hyperpetsc/service/heartbeat.hpp"

#include <chrono>
#include <exception>

#include "hyperpetsc/service/run_store.hpp"

namespace hp {

HeartbeatThread::HeartbeatThread(std::string store_path, long long trial_id, double period_seconds)
    : path_(std::move(store_path)), trial_(trial_id), period_(period_seconds), thread_([this] { loop(); }) {}

HeartbeatThread::~HeartbeatThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HeartbeatThread::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto period = std::chrono::duration<double>(period_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    try {
      RunStore store(path_);
      store.heartbeat(trial_);
    } catch (const std::exception&) {
      // A busy or vanished store: the main thread's next write reports real problems.
    }
    lock.lock();
  }
}

}  // namespace hp
