// Beast sessions: listener -> http_session -> (websocket_session). Each on_x starts by
// checking its error; blocking work goes to the work queue and comes back by post().
#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <sodium.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

#include "http/api.hpp"
#include "http/connection_counter.hpp"
#include "http/event_sequencer.hpp"
#include "http/hub.hpp"
#include "http/work_queue.hpp"
#include "http/ws_frames.hpp"
#include "http/ws_protocol.hpp"
#include "pipeline/journal.hpp"
#include "storage/blob_store.hpp"

namespace sf::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto header_timeout = std::chrono::seconds(30);
constexpr auto upload_timeout = std::chrono::minutes(10);
// How long a connection answered before its body was read goes on reading and dropping it.
constexpr auto lingering_close = std::chrono::seconds(5);
constexpr std::size_t header_limit = 16 * 1024;
constexpr int replay_batch = 1000;

struct shared_state {
  api& routes;
  hub& events;
  storage::blob_store& blobs;
  server_options opts;
  work_queue work;
  connection_counter ws_connections;
  connection_counter address_connections;
  std::shared_ptr<spdlog::logger> access_log = spdlog::get("access");  // set up before the server starts
  shared_state(api& a, hub& h, storage::blob_store& b, server_options o)
      : routes(a), events(h), blobs(b), opts(o), work(o.request_workers, o.request_queue),
        ws_connections(o.ws_connections_per_user), address_connections(o.connections_per_address) {}
};

std::string new_request_id() {
  unsigned char raw[8];
  randombytes_buf(raw, sizeof raw);
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

// The client's id if it is short and plain (it goes back into a header), else a new one.
std::string request_id_from(const std::optional<std::string>& sent) {
  if (sent && !sent->empty() && sent->size() <= 64 &&
      sent->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == std::string::npos)
    return *sent;
  return new_request_id();
}

bool is_upload(const bhttp::request_header<>& h) {
  if (h.method() != bhttp::verb::post) return false;
  std::string_view t(h.target().data(), h.target().size());
  t = t.substr(0, t.find('?'));
  return t.size() > 20 && t.substr(0, 12) == "/v1/courses/" && t.substr(t.size() - 8) == "/sources";
}

template <class Fields>
void copy_headers(const Fields& f, request& r) {
  for (const auto& field : f) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers[name] = std::string(field.value());
  }
}

// The message Beast writes for one of our responses.
std::shared_ptr<bhttp::response<bhttp::string_body>> to_beast(response res, const std::string& request_id, unsigned version,
                                                              bool keep_alive) {
  auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(res.status), version);
  msg->set(bhttp::field::server, "studyforge");
  msg->set("X-Request-Id", request_id);
  if (!res.content_type.empty()) msg->set(bhttp::field::content_type, res.content_type);
  for (const auto& [k, v] : res.headers) msg->set(k, v);
  msg->body() = std::move(res.body);
  msg->keep_alive(keep_alive);
  msg->prepare_payload();
  return msg;
}

std::shared_ptr<const std::string> shared_text(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

std::vector<event_sequencer::item> to_items(const std::vector<storage::event_record>& events) {
  std::vector<event_sequencer::item> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back({e.seq, shared_text(pipeline::event_message(e))});
  return out;
}

// ---------------------------------------------------------------------------------------
// A reconnect storm (a node restarted) brings thousands of WebSocket upgrades and subscribes at
// once: they wait in a longer line than requests do, each costing only a queued closure, since a
// refused client just comes back.
constexpr std::size_t reconnect_room = 32;

class websocket_session : public event_sink, public std::enable_shared_from_this<websocket_session> {
 public:
  websocket_session(tcp::socket&& socket, std::size_t shard, std::shared_ptr<shared_state> sh, std::string user_id,
                    connection_counter::slot address_slot, connection_counter::slot user_slot)
      : sock_(std::move(socket)), timer_(sock_.get_executor()), shard_(shard), sh_(std::move(sh)),
        user_id_(std::move(user_id)), address_slot_(std::move(address_slot)), user_slot_(std::move(user_slot)) {
    ++sh_->routes.metrics().websocket_sessions;
    writing_.reserve(max_batch);  // the write's buffers point into it
  }

  ~websocket_session() override {
    --sh_->routes.metrics().websocket_sessions;
    for (const auto& [id, sub] : subs_) sh_->events.unsubscribe(id, this);
  }

  // Answers the upgrade (already checked) and starts reading frames.
  void run(const std::string& client_key) {
    auto answer = shared_text("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: " + ws::accept_key(client_key) + "\r\nServer: studyforge\r\n\r\n");
    queue(std::nullopt, std::move(answer));
    tick();
    do_read();
  }

  std::size_t shard() const override { return shard_; }

  // On this session's own I/O thread: the hub dispatches to its shard. Queued only; the hub's
  // flush() writes everything that came meanwhile at once.
  void on_event(const std::string& course_id, long long seq, const std::shared_ptr<const std::string>& msg) override {
    corked_ = true;
    on_live(course_id, {seq, msg});
    corked_ = false;
  }

  void flush() override {
    if (!write_in_flight_ && !out_.empty()) do_write();
  }

 private:
  struct subscription {
    event_sequencer seq;
  };
  struct outgoing {
    ws::frame_header header;  // size 0: raw bytes (the handshake's answer)
    std::shared_ptr<const std::string> payload;
  };
  static constexpr std::size_t max_batch = 64;  // frames per write
  static constexpr std::size_t max_message = 64 * 1024;
  static constexpr auto close_linger = std::chrono::seconds(5);

  void do_read() {
    sock_.async_read_some(net::buffer(read_buf_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    if (ec) return end();  // closed, reset, or shut down by us
    heard_ = true;
    frames_.clear();
    reader_.feed({read_buf_.data(), n}, frames_);
    for (auto& f : frames_) on_frame(f);
    do_read();  // after a close, until the client hangs up or the linger ends
  }

  void on_frame(ws::client_frame& f) {
    using kind = ws::client_frame::kind;
    switch (f.what) {
      case kind::message:
        if (closing_) return;
        if (!within_rate()) return close_with(ws::close_code::policy, "too many messages");
        return handle(ws::parse(f.payload));
      case kind::ping:  // answered like a message: within the rate and the queue's bound
        if (closing_) return;
        if (!within_rate()) return close_with(ws::close_code::policy, "too many messages");
        if (!room_for_one()) return;
        return queue(ws::opcode::pong, shared_text(std::move(f.payload)));
      case kind::pong: return;
      case kind::close: return close_with(f.code == 0 ? ws::close_code::normal : f.code, "");
      case kind::violation: return close_with(f.code, f.payload);
    }
  }

  void handle(const ws::client_message& m) {
    if (std::holds_alternative<ws::ping>(m)) return send(shared_text(ws::pong_message()));
    if (auto* b = std::get_if<ws::bad>(&m)) return send(shared_text(ws::error_message(b->code, b->message)));
    if (auto* u = std::get_if<ws::unsubscribe>(&m)) {
      sh_->events.unsubscribe(u->course_id, this);
      subs_.erase(u->course_id);
      return;
    }
    const auto& s = std::get<ws::subscribe>(m);
    // Listen first, then read the snapshot: nothing that happens in between is missed.
    subs_[s.course_id] = subscription{};
    sh_->events.subscribe(s.course_id, shared_from_this());
    auto self = shared_from_this();
    auto limit = replay_limit();
    bool queued = sh_->work.try_post([self, s, limit] {
      std::optional<nlohmann::json> snapshot;
      std::vector<storage::event_record> replay;
      bool read = true;
      try {
        snapshot = self->sh_->routes.course_snapshot(self->user_id_, s.course_id);
        if (snapshot && s.since) replay = self->sh_->routes.events_after(s.course_id, *s.since, limit);
      } catch (const std::exception& e) {
        spdlog::warn("websocket snapshot failed: {}", e.what());
        read = false;
      }
      net::post(self->sock_.get_executor(), [self, s, read, limit, snapshot = std::move(snapshot), replay = std::move(replay)] {
        self->on_snapshot(s, read, snapshot, replay, limit);
      });
    }, reconnect_room);
    if (!queued) refuse(s.course_id, "unavailable", "the node is busy; subscribe again shortly");
  }

  // The subscription ends before it began; the client may subscribe again.
  void refuse(const std::string& course_id, const std::string& code, const std::string& message) {
    sh_->events.unsubscribe(course_id, this);
    subs_.erase(course_id);
    send(shared_text(ws::error_message(code, message)));
  }

  void on_snapshot(const ws::subscribe& s, bool read, const std::optional<nlohmann::json>& snapshot,
                   const std::vector<storage::event_record>& replay, std::size_t limit) {
    auto it = subs_.find(s.course_id);
    if (it == subs_.end()) return;
    if (!read) return refuse(s.course_id, "unavailable", "the course could not be read; subscribe again shortly");
    if (!snapshot) return refuse(s.course_id, "not_found", "no such course");
    send(shared_text(nlohmann::json{{"type", "snapshot"}, {"course", *snapshot}}.dump()));
    long long last = s.since.value_or(snapshot->value("event_seq", 0LL));
    for (auto& e : it->second.seq.start(last, to_items(replay), replay.size() >= limit)) send(std::move(e.msg));
    maybe_replay(s.course_id);
  }

  void on_live(const std::string& course_id, event_sequencer::item e) {
    auto it = subs_.find(course_id);
    if (it == subs_.end()) return;
    for (auto& out : it->second.seq.on_live(std::move(e))) send(std::move(out.msg));
    maybe_replay(course_id);
  }

  // Reads the log after what the client has: for a gap (events published out of order by
  // different writers, or lost), and for a resume further back than one read. A long replay
  // goes out a batch at a time as the client reads it, so it never fills the queue that marks
  // a client too slow. A read that failed is tried again with the next event or keepalive tick,
  // not at once (the database may be down).
  void maybe_replay(const std::string& course_id) {
    auto it = subs_.find(course_id);
    if (it == subs_.end() || !it->second.seq.wants_replay()) return;
    auto limit = replay_limit();
    if (out_.size() > limit) {
      replay_waits_for_room_ = true;
      return;
    }
    it->second.seq.replay_requested();
    long long since = it->second.seq.last();
    auto self = shared_from_this();
    bool queued = sh_->work.try_post([self, course_id, since, limit] {
      std::optional<std::vector<storage::event_record>> events;
      try {
        events = self->sh_->routes.events_after(course_id, since, static_cast<int>(limit));
      } catch (const std::exception& e) {
        spdlog::warn("websocket replay failed: {}", e.what());
      }
      net::post(self->sock_.get_executor(), [self, course_id, limit, events = std::move(events)] {
        auto it = self->subs_.find(course_id);
        if (it == self->subs_.end()) return;
        if (!events) return it->second.seq.replay_failed();
        for (auto& e : it->second.seq.on_replay(to_items(*events), events->size() >= limit)) self->send(std::move(e.msg));
        self->maybe_replay(course_id);
      });
    });
    if (!queued) it->second.seq.replay_failed();
  }

  void replay_all() {
    replay_waits_for_room_ = false;
    for (const auto& [id, sub] : subs_) maybe_replay(id);  // it never adds or drops a subscription
  }

  // Events a replay reads at once: at most a quarter of what marks a client too slow.
  std::size_t replay_limit() const {
    return std::max<std::size_t>(1, std::min<std::size_t>(replay_batch, sh_->opts.max_ws_queue / 4));
  }

  bool within_rate() { return !rate_.take(message_rule()).has_value(); }

  // ws_messages_per_second, with a burst of twice that.
  bucket_rule message_rule() const {
    double rate = sh_->opts.ws_messages_per_second;
    return {rate, 2 * rate};
  }

  // A text message to the client.
  void send(std::shared_ptr<const std::string> msg) {
    if (closing_) return;
    ++sh_->routes.metrics().websocket_messages_out;
    if (room_for_one()) queue(ws::opcode::text, std::move(msg));
  }

  // A client that does not read is disconnected rather than growing our memory.
  bool room_for_one() {
    if (out_.size() < sh_->opts.max_ws_queue) return true;
    out_.clear();
    close_with(ws::close_code::policy, "client too slow");
    return false;
  }

  // The close frame is the last thing sent; the socket's sending side shuts once it is out.
  void close_with(std::uint16_t code, std::string_view reason) {
    if (closing_) return;
    queue(ws::opcode::close, shared_text(ws::close_payload(code, reason)));
    closing_ = true;
    timer_.expires_after(close_linger);
  }

  // A frame of `op` carrying `payload`; no opcode: raw bytes (the handshake's answer).
  void queue(std::optional<ws::opcode> op, std::shared_ptr<const std::string> payload) {
    if (closing_) return;
    auto header = op ? ws::header_for(*op, payload->size()) : ws::frame_header{};
    out_.push_back({header, std::move(payload)});
    if (!write_in_flight_ && !corked_) do_write();
  }

  // Everything waiting goes in one write (up to max_batch frames): a burst of events costs a
  // subscriber one or two system calls, not one per event.
  void do_write() {
    writing_.clear();
    buffers_.clear();
    while (!out_.empty() && writing_.size() < max_batch) {
      writing_.push_back(std::move(out_.front()));
      out_.pop_front();
    }
    for (const auto& o : writing_) {
      if (o.header.size > 0) buffers_.emplace_back(o.header.bytes.data(), o.header.size);
      buffers_.emplace_back(o.payload->data(), o.payload->size());
    }
    write_in_flight_ = true;
    net::async_write(sock_, buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    write_in_flight_ = false;
    writing_.clear();
    if (ec) return end();
    if (replay_waits_for_room_ && out_.size() <= replay_limit()) replay_all();
    if (!out_.empty()) return do_write();
    if (closing_) {
      beast::error_code ignored;
      sock_.shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  // Every ws_keepalive_s: a client heard from since the last tick is fine; one not heard from
  // is pinged; one still silent a tick after its ping is dropped. Once closing, the tick ends it.
  void tick() {
    if (!closing_) timer_.expires_after(std::chrono::seconds(sh_->opts.ws_keepalive_s));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      // Cancelled by close_with(), which set the linger: wait for that.
      if (ec == net::error::operation_aborted && self->sock_.is_open()) return self->tick();
      if (ec || !self->sock_.is_open()) return;
      if (self->closing_ || (!self->heard_ && self->pinged_)) return self->end();
      self->pinged_ = !self->heard_;
      if (self->pinged_) self->queue(ws::opcode::ping, shared_text(""));
      self->heard_ = false;
      self->replay_all();  // a replay whose read failed is tried again
      self->tick();
    });
  }

  void end() {
    beast::error_code ignored;
    timer_.cancel();
    sock_.close(ignored);
  }

  tcp::socket sock_;
  net::steady_timer timer_;
  std::size_t shard_;
  std::shared_ptr<shared_state> sh_;  // before the slots: their counters must outlive them
  std::string user_id_;
  connection_counter::slot address_slot_;
  connection_counter::slot user_slot_;
  std::array<char, 1024> read_buf_{};  // small: an idle connection should cost little
  ws::frame_reader reader_{max_message};
  std::vector<ws::client_frame> frames_;
  std::deque<outgoing> out_;           // waiting
  std::vector<outgoing> writing_;      // in the write under way
  std::vector<net::const_buffer> buffers_;
  bool write_in_flight_ = false;
  bool replay_waits_for_room_ = false;  // a replay is due once the queue drains
  bool corked_ = false;  // inside on_event: the hub's flush() writes
  bool closing_ = false;
  bool heard_ = false;
  bool pinged_ = false;
  std::map<std::string, subscription> subs_;
  token_bucket rate_ = token_bucket::full(message_rule());
};

// ---------------------------------------------------------------------------------------
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, std::size_t shard, std::shared_ptr<shared_state> sh, std::string remote,
               connection_counter::slot slot)
      : stream_(std::move(socket)), shard_(shard), sh_(std::move(sh)), remote_(std::move(remote)),
        address_slot_(std::move(slot)) {}

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this())); }

 private:
  void do_read() {
    header_.emplace();
    header_->header_limit(header_limit);
    // The route's own limit is applied once the header says which route this is.
    header_->body_limit(std::max(sh_->opts.max_upload_bytes, sh_->opts.max_json_bytes));
    string_.reset();
    file_.reset();
    body_path_.clear();
    stream_.expires_after(header_timeout);
    bhttp::async_read_header(stream_, buffer_, *header_, beast::bind_front_handler(&http_session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream) return close();
    if (ec) {  // timeout, reset or a malformed header: drop the connection
      spdlog::debug("connection from {}: {}", remote_, ec.message());
      return;
    }
    auto& h = header_->get();
    request_id_ = request_id_from(h.count("x-request-id") ? std::optional<std::string>(std::string(h["x-request-id"])) : std::nullopt);
    started_ = std::chrono::steady_clock::now();
    method_ = std::string(h.method_string());
    version_ = h.version();
    keep_alive_ = h.keep_alive();
    body_unread_ = header_->chunked() || header_->content_length().value_or(0) > 0;
    if (websocket::is_upgrade(h)) return start_websocket();
    // The route's own limit, against the declared length (the header parser had a larger one).
    std::uint64_t limit = is_upload(h) ? sh_->opts.max_upload_bytes : sh_->opts.max_json_bytes;
    if (auto length = header_->content_length(); length && *length > limit)
      return respond_now(413, "too_large", "the body is larger than this route accepts", false);
    if (is_upload(h)) return admit_upload();
    string_.emplace(std::move(*header_));
    string_->body_limit(sh_->opts.max_json_bytes);
    continue_then([self = shared_from_this()] {
      bhttp::async_read(self->stream_, self->buffer_, *self->string_, beast::bind_front_handler(&http_session::on_body, self));
    });
  }

  // An upload's body (up to max_upload_bytes) is received only once the API admits it: a
  // client without a valid token, over its throttle or quota, or naming a course that is not
  // its own is answered before sending it, and the connection closes.
  void admit_upload() {
    request r;
    r.request_id = request_id_;
    r.remote = remote_;
    const auto& h = header_->get();
    r.method = std::string(h.method_string());
    r.target = std::string(h.target());
    copy_headers(h, r);
    if (!parse_target(r.target, r.path, r.query)) return respond_now(400, "invalid_argument", "malformed request target", false);
    auto self = shared_from_this();
    bool queued = sh_->work.try_post([self, r = std::move(r)] {
      auto refused = self->sh_->routes.admit(r);
      net::post(self->stream_.get_executor(), [self, refused = std::move(refused)]() mutable {
        if (!refused) return self->receive_upload();
        self->keep_alive_ = false;
        self->write(std::move(*refused));
      });
    });
    if (!queued) respond_now(503, "unavailable", "the node is busy; try again", false);
  }

  void receive_upload() {
    file_.emplace(std::move(*header_));
    file_->body_limit(sh_->opts.max_upload_bytes);
    body_path_ = sh_->blobs.temp_path();
    beast::error_code fec;
    file_->get().body().open(body_path_.c_str(), beast::file_mode::write, fec);
    if (fec) return respond_now(500, "internal", "cannot store the upload", false);
    stream_.expires_after(upload_timeout);
    continue_then([self = shared_from_this()] {
      bhttp::async_read(self->stream_, self->buffer_, *self->file_, beast::bind_front_handler(&http_session::on_body, self));
    });
  }

  // curl and others wait for "100 Continue" before sending a large body.
  template <class F>
  void continue_then(F next) {
    const auto& h = file_ ? static_cast<const bhttp::request_header<>&>(file_->get()) : string_->get();
    auto expect = h.find(bhttp::field::expect);
    if (expect == h.end() || !beast::iequals(expect->value(), "100-continue")) return next();
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
    bhttp::async_write(stream_, *res, [res, next](beast::error_code ec, std::size_t) {
      if (!ec) next();
    });
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (!ec) body_unread_ = false;
    if (ec == bhttp::error::body_limit) {
      remove_body_file();
      return respond_now(413, "too_large", "the body is larger than this route accepts", false);
    }
    if (ec) {
      spdlog::debug("request {}: body not received: {}", request_id_, ec.message());
      return remove_body_file();
    }
    request r;
    r.request_id = request_id_;
    r.remote = remote_;
    if (file_) {
      auto& m = file_->get();
      m.body().close();
      r.method = std::string(m.method_string());
      r.target = std::string(m.target());
      copy_headers(m, r);
      r.body_file = body_path_;
    } else {
      auto& m = string_->get();
      r.method = std::string(m.method_string());
      r.target = std::string(m.target());
      copy_headers(m, r);
      r.body = std::move(m.body());
    }
    if (!parse_target(r.target, r.path, r.query)) {
      remove_body_file();
      return respond_now(400, "invalid_argument", "malformed request target", keep_alive_);
    }
    auto self = shared_from_this();
    bool queued = sh_->work.try_post([self, r = std::move(r)] {
      self->sh_->routes.handle(r, [self](response res) {
        net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
      });
      if (!r.body_file.empty()) {
        std::error_code e;
        std::filesystem::remove(r.body_file, e);  // adopted uploads were moved away already
      }
    });
    if (!queued) {
      remove_body_file();
      respond_now(503, "unavailable", "the node is busy; try again", keep_alive_);
    }
  }

  void start_websocket() {
    auto req = header_->release();
    request r;
    r.target = std::string(req.target());
    if (!parse_target(r.target, r.path, r.query) || r.path != "/v1/ws")
      return respond_now(404, "not_found", "no such route", false);
    std::string token;
    if (auto a = req.find(bhttp::field::authorization); a != req.end() && a->value().starts_with("Bearer "))
      token = std::string(a->value().substr(7));
    else if (auto q = r.query.find("token"); q != r.query.end())
      token = q->second;
    // RFC 6455, 4.2.1: a 16-byte key in base64, and version 13.
    std::string key(req[bhttp::field::sec_websocket_key]);
    if (key.size() != 24) return respond_now(400, "invalid_argument", "Sec-WebSocket-Key must be 16 bytes in base64", false);
    if (req[bhttp::field::sec_websocket_version] != "13") {
      keep_alive_ = false;
      r.request_id = request_id_;
      auto res = error_response(426, "upgrade_required", "only WebSocket version 13 is spoken here", r);
      res.headers.emplace_back("Sec-WebSocket-Version", "13");
      return write(std::move(res));
    }
    auto self = shared_from_this();
    r.request_id = request_id_;
    r.remote = remote_;
    bool queued = sh_->work.try_post([self, token, key, r]() mutable {
      std::optional<storage::user_record> user;
      std::optional<response> refused;
      try {
        refused = self->sh_->routes.authenticate(token, r, user);
      } catch (const std::exception& e) {
        refused = error_response(storage::classify(e), r);
      }
      net::post(self->stream_.get_executor(), [self, user = std::move(user), refused = std::move(refused), key]() mutable {
        self->keep_alive_ = false;
        if (refused) return self->write(std::move(*refused));
        auto user_slot = self->sh_->ws_connections.take(user->id);
        if (!user_slot)  // Retry-After: until one of them closes
          return self->respond_now(429, "throttled", "too many open WebSocket connections for this account", false,
                                   {{"Retry-After", "5"}});
        self->stream_.expires_never();  // the WebSocket has its own timeouts
        std::make_shared<websocket_session>(self->stream_.release_socket(), self->shard_, self->sh_, user->id,
                                            std::move(self->address_slot_),
                                            std::move(*user_slot))
            ->run(key);
      });
    }, reconnect_room);
    if (!queued) respond_now(503, "unavailable", "the node is busy; try again", false);
  }

  void respond_now(int status, const std::string& code, const std::string& message, bool keep_alive,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    keep_alive_ = keep_alive;
    request r;
    r.request_id = request_id_;
    auto res = error_response(status, code, message, r);
    for (auto& h : headers) res.headers.push_back(std::move(h));
    write(std::move(res));
  }

  void write(response res) {
    log_access(res);
    auto msg = to_beast(std::move(res), request_id_, version_, keep_alive_);
    stream_.expires_after(header_timeout);
    bhttp::async_write(stream_, *msg, [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (!msg->need_eof()) return self->do_read();
      self->close();
      if (self->body_unread_) self->linger();
    });
  }

  // Answered before its body was read (refused, or too large): the body may be on its way, and
  // closing with unread bytes would reset the connection, often before the client has read the
  // answer. So the body is read and dropped for a while (no file, no worker), as web servers do.
  void linger() {
    stream_.expires_after(lingering_close);
    drop_body();
  }

  void drop_body() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return;  // the client closed, or the time is up
      self->buffer_.commit(n);
      self->drop_body();
    });
  }

  // One line per request: who, what, how it ended and how long it took; never a body, a token
  // or a header value.
  void log_access(const response& res) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    std::string route = res.route.empty() ? "unmatched" : res.route;
    sh_->routes.metrics().observe(route, res.status, ms);
    auto log = sh_->access_log;
    if (!log || !log->should_log(spdlog::level::info)) return;  // the line is not built for nothing
    nlohmann::json line{{"request_id", request_id_}, {"method", method_}, {"route", route}, {"status", res.status},
                        {"ms", std::round(ms * 100) / 100}, {"remote", remote_}};
    if (!res.user_id.empty()) line["user_id"] = res.user_id;
    log->info(line.dump());
  }

  void remove_body_file() {
    if (body_path_.empty()) return;
    std::error_code e;
    std::filesystem::remove(body_path_, e);
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  std::size_t shard_;  // the I/O thread this connection lives on
  beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> sh_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_;
  std::optional<bhttp::request_parser<bhttp::string_body>> string_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_;
  std::filesystem::path body_path_;
  std::string remote_;
  connection_counter::slot address_slot_;  // moves to the WebSocket on upgrade
  std::string request_id_;
  std::string method_;
  std::chrono::steady_clock::time_point started_{};
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool body_unread_ = false;  // the request's body is still on its way
};

// ---------------------------------------------------------------------------------------
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(std::vector<net::io_context*> shards, std::shared_ptr<shared_state> sh)
      : shards_(std::move(shards)), acceptor_(*shards_.front()), sh_(std::move(sh)) {}

  result<std::uint16_t> open(const tcp::endpoint& ep) {
    beast::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return failure(errc::unavailable, "cannot listen on " + ep.address().to_string() + ":" +
                                                  std::to_string(ep.port()) + ": " + ec.message());
    return acceptor_.local_endpoint().port();
  }

  void run() { do_accept(); }
  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  // Connections are dealt to the shards in turn; each shard is one thread, so a connection's
  // handlers never run concurrently and need no strand.
  void do_accept() {
    std::size_t shard = next_++ % shards_.size();
    acceptor_.async_accept(*shards_[shard], [self = shared_from_this(), shard](beast::error_code ec, tcp::socket socket) {
      self->on_accept(ec, shard, std::move(socket));
    });
  }
  void on_accept(beast::error_code ec, std::size_t shard, tcp::socket socket) {
    if (!ec) {
      // Small writes (events, short responses) go out at once, not after the previous one's ACK.
      socket.set_option(tcp::no_delay(true), ec);
      auto remote = socket.remote_endpoint(ec);
      std::string address = ec ? std::string() : remote.address().to_string();
      if (auto slot = sh_->address_connections.take(address))
        std::make_shared<http_session>(std::move(socket), shard, sh_, std::move(address), std::move(*slot))->run();
      else
        refuse(std::move(socket));
    }
    if (acceptor_.is_open()) do_accept();
  }

  // One address holds too many connections: a short answer, then the socket is closed.
  void refuse(tcp::socket socket) {
    ++sh_->routes.metrics().connections_refused;
    request r;
    r.request_id = new_request_id();
    auto res = error_response(429, "throttled", "too many open connections from this address", r);
    res.headers.emplace_back("Retry-After", "1");
    auto msg = to_beast(std::move(res), r.request_id, 11, false);
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    bhttp::async_write(*s, *msg, [s, msg](beast::error_code, std::size_t) {
      beast::error_code ignored;
      s->shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  std::vector<net::io_context*> shards_;
  std::size_t next_ = 0;
  tcp::acceptor acceptor_;
  std::shared_ptr<shared_state> sh_;
};

}  // namespace

// One io_context per I/O thread (a shard), each kept running while it has no connection yet.
struct server::impl {
  impl(api& a, hub& h, storage::blob_store& b, server_options o) : opts(o), events(h), sh(std::make_shared<shared_state>(a, h, b, o)) {
    for (int i = 0; i < std::max(1, o.io_threads); ++i) {
      shards.push_back(std::make_shared<net::io_context>(1));
      keep_running.push_back(net::make_work_guard(*shards.back()));
    }
  }
  std::vector<net::io_context*> shard_list() const {
    std::vector<net::io_context*> out;
    for (const auto& s : shards) out.push_back(s.get());
    return out;
  }
  server_options opts;
  hub& events;
  // Held weakly by the hub's dispatcher: a NATS thread still delivering when the server stops
  // posts to a stopped context or finds it gone, never to a freed one.
  std::vector<std::shared_ptr<net::io_context>> shards;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  std::shared_ptr<shared_state> sh;
  std::shared_ptr<listener> lst;
  std::vector<std::thread> threads;
};

server::server(api& a, hub& h, storage::blob_store& blobs, server_options opts)
    : p_(std::make_unique<impl>(a, h, blobs, opts)) {}

server::~server() { stop(); }

result<std::uint16_t> server::start() {
  beast::error_code ec;
  auto address = net::ip::make_address(p_->opts.host, ec);
  if (ec) return failure(errc::invalid_value, "listen: '" + p_->opts.host + "' is not an IP address");
  p_->lst = std::make_shared<listener>(p_->shard_list(), p_->sh);
  BOOST_OUTCOME_TRY(port, p_->lst->open(tcp::endpoint(address, p_->opts.port)));
  // Weak: a shard's queued drain holds its hub queue, which holds this dispatcher; a strong
  // reference would keep every stopped shard (and its sessions) alive.
  std::vector<std::weak_ptr<net::io_context>> shards(p_->shards.begin(), p_->shards.end());
  p_->events.set_dispatcher([shards = std::move(shards)](std::size_t shard, std::function<void()> fn) {
    if (auto ioc = shards.at(shard).lock()) net::post(*ioc, std::move(fn));
  });
  p_->lst->run();
  for (auto& s : p_->shards)
    p_->threads.emplace_back([ioc = s.get()] {
      pthread_setname_np(pthread_self(), "sf.http");
      ioc->run();
    });
  return port;
}

void server::stop() {
  if (!p_ || p_->threads.empty()) return;
  p_->events.set_dispatcher(nullptr);
  p_->lst->close();
  p_->sh->work.stop();
  for (auto& s : p_->shards) s->stop();
  for (auto& t : p_->threads) t.join();
  p_->threads.clear();
}

}  // namespace sf::http
