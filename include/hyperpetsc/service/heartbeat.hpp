// Keeps a trial's heartbeat fresh in the run store while one outer step runs longer than
// the store's dead-trial timeout: a thread with its own store connection beats every
// `period` seconds until destroyed. Local (the coordinator).
#pragma once
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace hp {

class HeartbeatThread {
 public:
  HeartbeatThread(std::string store_path, long long trial_id, double period_seconds = 30);
  ~HeartbeatThread();
  HeartbeatThread(const HeartbeatThread&) = delete;
  HeartbeatThread& operator=(const HeartbeatThread&) = delete;

 private:
  void loop();
  std::string path_;
  long long trial_;
  double period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hp
