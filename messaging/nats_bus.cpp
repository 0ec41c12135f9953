// NATS.c adapter: every natsStatus chain stays in this file.
#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <functional>
#include <mutex>
#include <string_view>

#include "common/redact.hpp"
#include "messaging/bus.hpp"

namespace sf::messaging {
namespace {

error nats_error(natsStatus s, jsErrCode jerr, const std::string& what) {
  std::string msg = what + ": " + natsStatus_GetText(s);
  if (jerr != 0) msg += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  bool down = s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER || s == NATS_TIMEOUT ||
              s == NATS_CONNECTION_DISCONNECTED || s == NATS_NO_RESPONDERS || s == NATS_STALE_CONNECTION ||
              s == NATS_INSUFFICIENT_BUFFER || s == NATS_IO_ERROR;
  return error{down ? errc::unavailable : errc::internal, msg};
}

template <class T, void (*Destroy)(T*)>
struct destroyer {
  void operator()(T* p) const { if (p) Destroy(p); }
};
using msg_ptr = std::unique_ptr<natsMsg, destroyer<natsMsg, natsMsg_Destroy>>;
using sub_ptr = std::unique_ptr<natsSubscription, destroyer<natsSubscription, natsSubscription_Destroy>>;
using conn_ptr = std::unique_ptr<natsConnection, destroyer<natsConnection, natsConnection_Destroy>>;
using js_ptr = std::unique_ptr<jsCtx, destroyer<jsCtx, jsCtx_Destroy>>;
using opts_ptr = std::unique_ptr<natsOptions, destroyer<natsOptions, natsOptions_Destroy>>;

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string names::stream() const { return ns.empty() ? "JOBS" : upper(ns) + "_JOBS"; }
std::string names::job_subject(const std::string& lane, const std::string& kind) const {
  return (ns.empty() ? "" : ns + ".") + "jobs." + lane + "." + kind;
}
std::string names::lane_filter(const std::string& lane) const { return (ns.empty() ? "" : ns + ".") + "jobs." + lane + ".>"; }
std::string names::consumer(const std::string& lane) const { return (ns.empty() ? "" : ns + "-") + "lane-" + lane; }
std::string names::event_subject(const std::string& course_id) const {
  return (ns.empty() ? "" : ns + ".") + "events.course." + course_id;
}
std::string names::all_events() const { return (ns.empty() ? "" : ns + ".") + "events.course.>"; }
std::string names::control(const std::string& verb) const { return (ns.empty() ? "" : ns + ".") + "control." + verb; }

struct delivery::impl {
  msg_ptr msg;
  std::string subject;
  std::string data;
  std::uint64_t delivered = 1;
};

delivery::delivery(std::unique_ptr<impl> p) : p_(std::move(p)) {}
delivery::delivery(delivery&&) noexcept = default;
delivery& delivery::operator=(delivery&&) noexcept = default;
delivery::~delivery() = default;
const std::string& delivery::subject() const { return p_->subject; }
const std::string& delivery::data() const { return p_->data; }
std::uint64_t delivery::times_delivered() const { return p_->delivered; }
void delivery::ack() { natsMsg_Ack(p_->msg.get(), nullptr); }
void delivery::nak(std::chrono::milliseconds delay) {
  if (delay.count() > 0) natsMsg_NakWithDelay(p_->msg.get(), delay.count(), nullptr);
  else natsMsg_Nak(p_->msg.get(), nullptr);
}
void delivery::term() { natsMsg_Term(p_->msg.get(), nullptr); }
void delivery::in_progress() { natsMsg_InProgress(p_->msg.get(), nullptr); }

namespace {

// Fetches from a lane's durable consumer. A consumer deleted under it (by an operator, or lost
// with its stream) does not fail a fetch: its fetches just time out, like an idle lane's. So a
// lane idle for a while asks JetStream whether its consumer is still there, and one that is
// gone, or whose fetches keep failing while NATS is connected, is made again and bound anew.
class nats_pull_consumer final : public pull_consumer {
 public:
  using remake_fn = std::function<result<sub_ptr>()>;
  using missing_fn = std::function<bool()>;
  nats_pull_consumer(sub_ptr sub, natsConnection* conn, remake_fn remake, missing_fn missing)
      : sub_(std::move(sub)), conn_(conn), remake_(std::move(remake)), missing_(std::move(missing)) {}

  result<std::vector<delivery>> fetch(int max, std::chrono::milliseconds timeout) override {
    natsMsgList list{nullptr, 0};
    jsErrCode jerr{};
    natsStatus s = natsSubscription_Fetch(&list, sub_.get(), max, timeout.count(), &jerr);
    std::vector<delivery> out;
    if (s == NATS_TIMEOUT) {
      if (++idle_ >= look_after_idle) {
        idle_ = 0;
        if (missing_()) remake();
      }
      return out;
    }
    idle_ = 0;
    if (s != NATS_OK) {
      auto e = nats_error(s, jerr, "fetch");
      if (natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED && ++failed_ >= remake_after) remake();
      return boost::outcome_v2::failure(std::move(e));
    }
    failed_ = 0;
    out.reserve(static_cast<std::size_t>(list.Count));
    for (int i = 0; i < list.Count; ++i) {
      auto d = std::make_unique<delivery::impl>();
      d->msg.reset(list.Msgs[i]);
      list.Msgs[i] = nullptr;  // ownership moved; natsMsgList_Destroy skips nulls
      d->subject = natsMsg_GetSubject(d->msg.get());
      d->data.assign(natsMsg_GetData(d->msg.get()), static_cast<std::size_t>(natsMsg_GetDataLength(d->msg.get())));
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, d->msg.get()) == NATS_OK) {
        d->delivered = meta->NumDelivered;
        jsMsgMetaData_Destroy(meta);
      }
      out.emplace_back(std::move(d));
    }
    natsMsgList_Destroy(&list);
    return out;
  }

 private:
  void remake() {
    failed_ = 0;
    if (auto sub = remake_()) sub_ = std::move(sub.value());
  }

  static constexpr int remake_after = 3;       // fetches failed in a row
  static constexpr int look_after_idle = 10;   // fetches timed out in a row (a lane fetches for 1 s)
  sub_ptr sub_;
  natsConnection* conn_;
  remake_fn remake_;
  missing_fn missing_;
  int failed_ = 0;
  int idle_ = 0;
};

struct subscription_slot {
  bus::handler h;
};

void on_core_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  msg_ptr guard(msg);
  auto* slot = static_cast<subscription_slot*>(closure);
  std::string payload(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  slot->h(natsMsg_GetSubject(msg), payload);
}

class nats_bus final : public bus {
 public:
  nats_bus(conn_ptr conn, js_ptr js, names n) : conn_(std::move(conn)), js_(std::move(js)), names_(std::move(n)) {}

  const names& subjects() const override { return names_; }

  ~nats_bus() override {
    subs_.clear();  // unsubscribe before the slots they point at go away
    slots_.clear();
    spare_inboxes_.clear();
  }

  bool connected() const override { return natsConnection_Status(conn_.get()) == NATS_CONN_STATUS_CONNECTED; }

  result<void> ensure_jobs_stream() override {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    std::string filter = (names_.ns.empty() ? "" : names_.ns + ".") + "jobs.>";
    std::string stream = names_.stream();
    const char* subjects[] = {filter.c_str()};
    cfg.Name = stream.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Retention = js_WorkQueuePolicy;
    cfg.Storage = js_FileStorage;
    cfg.Duplicates = std::chrono::nanoseconds(std::chrono::minutes(10)).count();
    jsStreamInfo* si = nullptr;
    jsErrCode jerr{};
    natsStatus s = js_AddStream(&si, js_.get(), &cfg, nullptr, &jerr);
    if (s != NATS_OK && jerr == JSStreamNameExistErr) {
      jerr = {};
      s = js_UpdateStream(&si, js_.get(), &cfg, nullptr, &jerr);
    }
    if (si) jsStreamInfo_Destroy(si);
    if (s != NATS_OK) return boost::outcome_v2::failure(nats_error(s, jerr, "create the stream " + stream));
    return success();
  }

  result<void> ensure_consumer(const consumer_settings& c) override {
    std::string durable = names_.consumer(c.lane);
    std::string filter = names_.lane_filter(c.lane);
    std::string stream = names_.stream();
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = durable.c_str();
    cfg.AckPolicy = js_AckExplicit;
    cfg.AckWait = std::chrono::nanoseconds(c.ack_wait).count();
    cfg.MaxDeliver = -1;  // attempts are counted in PostgreSQL, which also parks poison jobs
    cfg.FilterSubject = filter.c_str();
    cfg.MaxAckPending = c.max_ack_pending;
    cfg.MaxWaiting = 512;
    jsConsumerInfo* ci = nullptr;
    jsErrCode jerr{};
    natsStatus s = js_AddConsumer(&ci, js_.get(), stream.c_str(), &cfg, nullptr, &jerr);
    if (s != NATS_OK) {
      // Exists with other settings (an operator changed ack_wait): update in place.
      jerr = {};
      s = js_UpdateConsumer(&ci, js_.get(), stream.c_str(), &cfg, nullptr, &jerr);
    }
    if (ci) jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK) return boost::outcome_v2::failure(nats_error(s, jerr, "create the consumer of lane " + c.lane));
    return success();
  }

  result<std::unique_ptr<pull_consumer>> bind(const consumer_settings& c) override {
    BOOST_OUTCOME_TRY(sub, subscribe_pull(c.lane));
    auto remake = [this, c]() -> result<sub_ptr> {
      BOOST_OUTCOME_TRYV(ensure_jobs_stream());
      BOOST_OUTCOME_TRYV(ensure_consumer(c));
      return subscribe_pull(c.lane);
    };
    // Made again at worst for nothing when the answer failed for another reason: it is idempotent.
    auto missing = [this, lane = c.lane] { return connected() && !stats(lane); };
    return std::unique_ptr<pull_consumer>(
        new nats_pull_consumer(std::move(sub), conn_.get(), std::move(remake), std::move(missing)));
  }

  result<sub_ptr> subscribe_pull(const std::string& lane) {
    std::string durable = names_.consumer(lane);
    std::string filter = names_.lane_filter(lane);
    std::string stream = names_.stream();
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Consumer = durable.c_str();
    natsSubscription* sub = nullptr;
    jsErrCode jerr{};
    natsStatus s = js_PullSubscribe(&sub, js_.get(), filter.c_str(), durable.c_str(), nullptr, &so, &jerr);
    if (s != NATS_OK) return boost::outcome_v2::failure(nats_error(s, jerr, "bind lane " + lane));
    return sub_ptr(sub);
  }

  result<lane_stats> stats(const std::string& lane) override {
    jsConsumerInfo* ci = nullptr;
    jsErrCode jerr{};
    natsStatus s = js_GetConsumerInfo(&ci, js_.get(), names_.stream().c_str(), names_.consumer(lane).c_str(), nullptr, &jerr);
    if (s != NATS_OK) return boost::outcome_v2::failure(nats_error(s, jerr, "consumer info of lane " + lane));
    lane_stats out{ci->NumPending, ci->NumAckPending, ci->NumRedelivered, ci->NumWaiting};
    jsConsumerInfo_Destroy(ci);
    return out;
  }

  std::vector<result<void>> publish_jobs(const std::vector<job_message>& jobs) override {
    if (!connected()) return std::vector<result<void>>(jobs.size(), unqueued("the message bus is unavailable"));
    std::vector<result<void>> out(jobs.size(), unqueued("no acknowledgement from JetStream in time"));
    if (jobs.empty()) return out;
    auto inbox = take_inbox();
    if (!inbox) return std::vector<result<void>>(jobs.size(), inbox.error());
    auto& box = *inbox.value();
    // Replies go to <prefix>.<batch>.<index>: a late reply to an earlier batch is told apart.
    const std::string base = box.prefix + "." + std::to_string(++box.batches) + ".";
    std::vector<bool> answered(jobs.size());
    // The library frees messages on a thread of its own, woken for each message it is handed
    // while idle: the batch's messages are handed over together, at the end.
    std::vector<msg_ptr> done;
    done.reserve(2 * jobs.size());
    std::size_t waiting = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const auto& j = jobs[i];
      std::string subject = names_.job_subject(j.lane, j.kind), reply = base + std::to_string(i);
      natsMsg* raw = nullptr;
      natsStatus s = natsMsg_Create(&raw, subject.c_str(), reply.c_str(), j.job_id.data(), static_cast<int>(j.job_id.size()));
      auto& msg = done.emplace_back(raw);
      if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), "Nats-Msg-Id", (j.dedup_id.empty() ? j.job_id : j.dedup_id).c_str());
      if (s == NATS_OK) s = natsConnection_PublishMsg(conn_.get(), msg.get());
      if (s != NATS_OK) {
        out[i] = unqueued(natsStatus_GetText(s));
        answered[i] = true;
      } else {
        ++waiting;
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + ack_wait;
    bool complete = true;  // every reply of the batch was read
    while (waiting > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      natsMsg* raw = nullptr;
      natsStatus s = natsSubscription_NextMsg(&raw, box.sub.get(), left.count());
      auto& reply = done.emplace_back(raw);
      if (s == NATS_TIMEOUT) break;
      if (s == NATS_NO_RESPONDERS) {
        // The library hands over the server's "no responders" without the message, so which
        // job it answers is unknown; one stream takes every job subject, so it answers for all.
        for (std::size_t i = 0; i < jobs.size(); ++i)
          if (!answered[i]) out[i] = unqueued("no stream takes the job's subject");
        complete = false;
        break;
      }
      if (s != NATS_OK) break;  // the connection closed under it
      std::string_view subject = natsMsg_GetSubject(reply.get());
      if (subject.substr(0, base.size()) != base) continue;
      std::size_t i = jobs.size();
      std::from_chars(subject.data() + base.size(), subject.data() + subject.size(), i);
      if (i >= jobs.size() || answered[i]) continue;
      answered[i] = true;
      --waiting;
      out[i] = pub_ack(reply.get());
    }
    // An inbox goes back to the pool only with nothing left to arrive: a reply still on its way
    // (after a timeout, or the other "no responders" of this batch) would answer a later batch.
    if (waiting == 0 && complete) give_back(std::move(inbox.value()));
    return out;
  }

  result<void> publish(const std::string& subject, const std::string& payload) override {
    natsStatus s = natsConnection_Publish(conn_.get(), subject.c_str(), payload.data(), static_cast<int>(payload.size()));
    if (s != NATS_OK) return boost::outcome_v2::failure(nats_error(s, {}, "publish " + subject));
    return success();
  }

  result<void> subscribe(const std::string& subject, handler h) override {
    std::lock_guard lock(mu_);
    slots_.push_back(std::make_unique<subscription_slot>(subscription_slot{std::move(h)}));
    natsSubscription* sub = nullptr;
    natsStatus s = natsConnection_Subscribe(&sub, conn_.get(), subject.c_str(), on_core_message, slots_.back().get());
    if (s != NATS_OK) {
      slots_.pop_back();
      return boost::outcome_v2::failure(nats_error(s, {}, "subscribe " + subject));
    }
    subs_.emplace_back(sub);
    return success();
  }

 private:
  // The acknowledgements of job publishes land on an inbox read by the publishing thread
  // itself (a synchronous subscription: no delivery thread in between). An inbox serves one
  // publisher at a time; publishers that overlap take one each from the spare ones.
  struct ack_inbox {
    std::string prefix;
    sub_ptr sub;
    std::uint64_t batches = 0;
  };
  static constexpr auto ack_wait = std::chrono::milliseconds(2000);

  static result<void> unqueued(const std::string& why) {
    return boost::outcome_v2::failure(error{errc::unavailable, "enqueue the job: " + why});
  }

  // A stream's answer: {"stream":..,"seq":..} (maybe "duplicate":true, still queued once) or
  // {"error":{..}}.
  static result<void> pub_ack(natsMsg* reply) {
    std::string_view body(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
    auto ack = nlohmann::json::parse(body, nullptr, false);
    if (ack.is_object() && ack.contains("seq") && !ack.contains("error")) return success();
    return unqueued("JetStream refused it: " + std::string(body.substr(0, 200)));
  }

  result<std::unique_ptr<ack_inbox>> take_inbox() {
    {
      std::lock_guard lock(mu_);
      if (!spare_inboxes_.empty()) {
        auto box = std::move(spare_inboxes_.back());
        spare_inboxes_.pop_back();
        return box;
      }
    }
    natsInbox* name = nullptr;
    natsStatus s = natsInbox_Create(&name);
    auto box = std::make_unique<ack_inbox>();
    if (s == NATS_OK) box->prefix = name;
    natsInbox_Destroy(name);
    natsSubscription* sub = nullptr;
    if (s == NATS_OK) s = natsConnection_SubscribeSync(&sub, conn_.get(), (box->prefix + ".>").c_str());
    box->sub.reset(sub);
    if (s != NATS_OK) return unqueued(natsStatus_GetText(s)).error();
    return box;
  }

  void give_back(std::unique_ptr<ack_inbox> box) {
    std::lock_guard lock(mu_);
    spare_inboxes_.push_back(std::move(box));
  }

  conn_ptr conn_;
  js_ptr js_;
  names names_;
  std::mutex mu_;
  std::vector<std::unique_ptr<subscription_slot>> slots_;
  std::vector<sub_ptr> subs_;
  std::vector<std::unique_ptr<ack_inbox>> spare_inboxes_;
};

}  // namespace

result<std::unique_ptr<bus>> connect(const std::string& url, const std::string& client_name, const std::string& ns) {
  // The library spins up to 2000 times on a busy lock before sleeping. With more threads
  // than cores (HTTP workers, fetchers, job actors) the spinning burnt a tenth of the node's
  // CPU under load; sleeping at once costs nothing measurable. Only the first call counts.
  static const natsStatus opened = nats_Open(0);
  (void)opened;
  natsOptions* raw_opts = nullptr;
  natsStatus s = natsOptions_Create(&raw_opts);
  opts_ptr opts(raw_opts);
  // A cluster is given as a comma-separated list: the client fails over between them.
  std::vector<std::string> servers;
  for (std::size_t start = 0; start <= url.size();) {
    auto comma = url.find(',', start);
    if (comma == std::string::npos) comma = url.size();
    if (comma > start) servers.push_back(url.substr(start, comma - start));
    start = comma + 1;
  }
  std::vector<const char*> server_ptrs;
  for (const auto& srv : servers) server_ptrs.push_back(srv.c_str());
  if (s == NATS_OK && servers.size() > 1)
    s = natsOptions_SetServers(opts.get(), server_ptrs.data(), static_cast<int>(server_ptrs.size()));
  else if (s == NATS_OK)
    s = natsOptions_SetURL(opts.get(), url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), client_name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), 2000);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), 250);
  // While disconnected, publishes fail at once instead of queueing behind a dead link.
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts.get(), 1);
  natsConnection* raw_conn = nullptr;
  if (s == NATS_OK) s = natsConnection_Connect(&raw_conn, opts.get());
  conn_ptr conn(raw_conn);
  if (s != NATS_OK) return boost::outcome_v2::failure(nats_error(s, {}, "connect to NATS at " + without_password(url)));

  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 3000;
  jsCtx* raw_js = nullptr;
  s = natsConnection_JetStream(&raw_js, conn.get(), &jo);
  js_ptr js(raw_js);
  if (s != NATS_OK) return boost::outcome_v2::failure(nats_error(s, {}, "open JetStream"));
  return std::unique_ptr<bus>(new nats_bus(std::move(conn), std::move(js), names{ns}));
}

}  // namespace sf::messaging
