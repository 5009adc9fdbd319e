// Orrery's Engine (src/engine/engine.ts) in plain C++, for the hold model's like-for-like row ("C++ calendar
// engine"): the same work per event as the TypeScript engine, written the way C++ would write it.
//   - an event pool with a payload of 4 int32 per event (handler, a, b, c) and a generation per slot, whose slots
//     the scheduler hands out (grown by doubling);
//   - a calendar queue with the same algorithm and layout as Orrery's CalendarScheduler: distinct times in buckets,
//     each time a FIFO of blocks of 4 consecutive pool slots (one cache line of payload), freed blocks reused
//     last-in first-out; it leaves the popped time in the engine's key;
//   - schedule(delay, handler, a, b, c) checking the time as Orrery does (not before now, at most 2^53 ns);
//   - run(): pop, set now, free the slot, skip a cancelled event, count it against the event budget, call the
//     progress callback every 2^18 events when there is one, and dispatch by a virtual call on the registered
//     handler (a handler calls schedule from inside onEvent, as in the TypeScript bench).
// The bare queue in hold.cpp ("C++ calendar") does less: one int of payload, no handler table and no dispatch.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

struct Handler {
  virtual void onEvent(int32_t a, int32_t b, int32_t c) = 0;
  virtual ~Handler() = default;
};

struct Payload { int32_t h, a, b, c; };

// What the engine shares with its scheduler: the key staged for push / left by pop, and the pool.
struct Keys {
  double t = 0;
  std::vector<Payload> ev;
  std::vector<int32_t> gen;
  void grow(size_t slots) {
    size_t cap = ev.size();
    while (cap < slots) cap *= 2;
    ev.resize(cap); gen.resize(cap);
  }
};

// The time side of a calendar queue, shared by the bare queue (hold.cpp) and the engine's (SlotCalendar below):
// distinct times ("entries") in buckets of `width`, each bucket a list sorted by time; the queues keep the FIFO of
// each time their own way, in their own Entry (at least t and next), set up by Q::initFifo when an entry is made.
// resize() and the width estimate are those of Orrery's CalendarScheduler.
template <class Q, class Entry>
class CalendarTimes {
 protected:
  std::vector<Entry> ents; std::vector<int32_t> efree;
  std::vector<int32_t> head;
  int64_t nb = 0, mask = 0, cur = 0;
  double width = 1, invW = 1;
  int32_t minEntry = -1, lastEntry = -1;
  double lastTime = std::numeric_limits<double>::quiet_NaN();
  size_t nEntries = 0;
  uint64_t work = 0, ops = 0;

  CalendarTimes() { setBuckets(16, 1); }
  int32_t newEntry(double t) {
    int32_t e;
    if (!efree.empty()) { e = efree.back(); efree.pop_back(); }
    else { e = (int32_t)ents.size(); ents.push_back(Entry{}); }
    ents[e].t = t; ents[e].next = -1;
    static_cast<Q*>(this)->initFifo(ents[e]);
    return e;
  }
  void setBuckets(int64_t nbk, double w) {
    nb = nbk; mask = nbk - 1; width = w; invW = 1 / w;
    head.assign((size_t)nb, -1);
  }
  int32_t findMin() {
    int64_t c = cur;
    for (int64_t i = 0; i < nb; i++, c++) {
      int32_t e = head[(size_t)(c & mask)];
      if (e != -1 && (int64_t)std::floor(ents[e].t * invW) <= c) { work += i; cur = c; minEntry = e; return e; }
    }
    int32_t best = -1; double bt = std::numeric_limits<double>::infinity();
    for (int64_t b = 0; b < nb; b++) { int32_t e = head[(size_t)b]; if (e != -1 && ents[e].t < bt) { bt = ents[e].t; best = e; } }
    work += 2 * nb; cur = (int64_t)std::floor(bt * invW); minEntry = best;
    return best;
  }
  void resize(int64_t nbk) {
    std::vector<int32_t> order; order.reserve(nEntries);
    while (order.size() < nEntries) {
      int32_t e = minEntry != -1 ? minEntry : findMin();
      head[(size_t)(cur & mask)] = ents[e].next; minEntry = -1; order.push_back(e);
    }
    size_t cnt = order.size(), m = cnt < 26 ? cnt : 26;
    double w = width;
    if (m >= 2) {
      double mean = (ents[order[m - 1]].t - ents[order[0]].t) / (double)(m - 1), sum = 0; int c = 0;
      for (size_t i = 1; i < m; i++) { double g = ents[order[i]].t - ents[order[i - 1]].t; if (g <= 2 * mean) { sum += g; c++; } }
      w = std::fmax(1.0, 0.5 * sum / c);
    }
    setBuckets(nbk, w);
    std::vector<int32_t> tails((size_t)nbk, -1);
    for (int32_t e : order) {
      size_t b = (size_t)((int64_t)std::floor(ents[e].t * invW) & mask);
      ents[e].next = -1;
      if (tails[b] == -1) head[b] = e; else ents[tails[b]].next = e;
      tails[b] = e;
    }
    cur = cnt > 0 ? (int64_t)std::floor(ents[order[0]].t * invW) : 0;
    minEntry = cnt > 0 ? order[0] : -1;
    work = 0; ops = 0;
  }
  int32_t entryFor(double t) {
    int64_t vb = (int64_t)std::floor(t * invW);
    size_t b = (size_t)(vb & mask);
    int32_t prev = -1, e = head[b];
    while (e != -1 && ents[e].t < t) { prev = e; e = ents[e].next; work++; }
    if (e != -1 && ents[e].t == t) return e;
    int32_t ne = newEntry(t);
    ents[ne].next = e;
    if (prev == -1) head[b] = ne; else ents[prev].next = ne;
    if (vb < cur || (vb == cur && prev == -1)) { cur = vb; minEntry = -1; }
    if ((int64_t)++nEntries > nb >> 1) resize(nb * 2);
    else if (++ops > (uint64_t)nb && work > 8 * ops) resize(nb);
    return ne;
  }
  // the entry of time t (the last one pushed to, else found or made)
  int32_t entryOf(double t) {
    if (t == lastTime) return lastEntry;
    int32_t e = entryFor(t); lastTime = t; lastEntry = e;
    return e;
  }
  // the earliest entry
  int32_t minimum() { return minEntry != -1 ? minEntry : findMin(); }
  // entry e (the earliest) has no events left: unlink and free it, and resize when the buckets are off
  void retire(int32_t e) {
    head[(size_t)(cur & mask)] = ents[e].next;
    efree.push_back(e); nEntries--;
    if (lastEntry == e) { lastEntry = -1; lastTime = std::numeric_limits<double>::quiet_NaN(); }
    minEntry = -1;
    if (nb > 16 && (int64_t)nEntries < nb >> 3) resize(nb >> 1);
    else if (++ops > (uint64_t)nb && work > 8 * ops) resize(nb);
  }
};

// Calendar queue over distinct times with a FIFO of slot blocks per time (see CalendarScheduler for the design): a
// time's first block is one unit of 4 slots, its later blocks runs of RUN units (16 slots); each entry keeps the last
// slot of its head and tail blocks (headEnd, tailEnd), and span[u] says whether unit u is a single unit (0) or which
// unit of a run (1..RUN).
struct SlotEntry { double t; int32_t head, tail, headEnd, tailEnd, next; int32_t first = -1; };
class SlotCalendar : CalendarTimes<SlotCalendar, SlotEntry> {
  friend class CalendarTimes<SlotCalendar, SlotEntry>;
  static constexpr int32_t BLOCK_BITS = 2, RUN = 4;
  static constexpr int32_t UNIT = 1 << BLOCK_BITS, RUN_SLOTS = RUN << BLOCK_BITS;
  Keys& k;
  std::vector<int32_t> blockNext;
  std::vector<uint8_t> span;
  int32_t freeRuns = -1, nBHigh = 0;
  size_t n = 0;

  void growUnits(size_t units) {
    size_t cap = blockNext.size();
    while (cap < units) cap *= 2;
    blockNext.resize(cap); span.resize(cap);
    if (cap << BLOCK_BITS > k.ev.size()) k.grow(cap << BLOCK_BITS);
  }
  // a single unit, for good, for a new entry index (a recycled entry keeps its own)
  int32_t freshUnit() {
    int32_t b = nBHigh++;
    if ((size_t)b >= blockNext.size()) growUnits((size_t)b + 1);
    span[(size_t)b] = 0;
    return b;
  }
  int32_t newRun() {
    int32_t r = freeRuns;
    if (r != -1) { freeRuns = blockNext[(size_t)r]; return r; }
    r = nBHigh; nBHigh += RUN;
    if ((size_t)nBHigh > blockNext.size()) growUnits((size_t)nBHigh);
    for (int32_t i = 0; i < RUN; i++) span[(size_t)(r + i)] = (uint8_t)(i + 1);
    return r;
  }
  // frees the run holding unit u; a single unit stays with its entry
  void freeUnit(int32_t u) {
    int32_t p = span[(size_t)u];
    if (p != 0) { int32_t r = u - p + 1; blockNext[(size_t)r] = freeRuns; freeRuns = r; }
  }
  // a new entry comes with its first block, its own unit: head its first slot, tail the slot before (nothing pushed)
  void initFifo(SlotEntry& en) {
    if (en.first < 0) en.first = freshUnit() << BLOCK_BITS;
    int32_t first = en.first;
    en.head = first; en.tail = first - 1; en.headEnd = en.tailEnd = first + UNIT - 1;
  }
  int32_t spill(SlotEntry& en, int32_t tl) {
    int32_t r = newRun();
    blockNext[(size_t)(tl >> BLOCK_BITS)] = r;
    int32_t slot = r << BLOCK_BITS;
    en.tailEnd = slot + RUN_SLOTS - 1;
    return slot;
  }
  void nextBlock(SlotEntry& en, int32_t slot) {
    int32_t u = slot >> BLOCK_BITS;
    int32_t nx = blockNext[(size_t)u] << BLOCK_BITS;
    en.head = nx; en.headEnd = nx + RUN_SLOTS - 1;
    freeUnit(u);
  }

 public:
  explicit SlotCalendar(Keys& keys) : k(keys), blockNext(keys.ev.size() >> BLOCK_BITS > 16 ? keys.ev.size() >> BLOCK_BITS : 16),
                                      span(blockNext.size()) {}
  size_t size() const { return n; }
  // queues an event at time k.t and returns its slot
  int32_t push() {
    int32_t e = entryOf(k.t);
    SlotEntry& en = ents[(size_t)e];
    int32_t tl = en.tail;
    int32_t slot = tl != en.tailEnd ? tl + 1 : spill(en, tl);
    en.tail = slot;
    n++;
    return slot;
  }
  // the earliest slot (its time in k.t), or -1 when empty
  int32_t pop() {
    if (n == 0) return -1;
    int32_t e = minimum();
    SlotEntry& en = ents[(size_t)e];
    int32_t slot = en.head;
    k.t = en.t;
    n--;
    if (slot != en.tail) {
      if (slot != en.headEnd) en.head = slot + 1;
      else nextBlock(en, slot);
      return slot;
    }
    freeUnit(slot >> BLOCK_BITS);
    retire(e);
    return slot;
  }
};

class Engine {
  static constexpr int32_t CANCELLED = -1;
  static constexpr uint64_t PROGRESS_MASK = (1u << 18) - 1;
  static constexpr double MAX_TIME_NS = 9007199254740992.0;  // 2^53
  Keys keys;
  SlotCalendar queue;
  std::vector<Handler*> handlers;
  bool stopped = false, cancellable = false;
  uint64_t maxEvents = std::numeric_limits<uint64_t>::max();
  void (*onProgress)(uint64_t, double) = nullptr;

  [[noreturn]] void timeError(double at) {
    std::fprintf(stderr, "event time %.0f ns is before now (%.0f ns) or past 2^53\n", at, now);
    std::exit(1);
  }
  [[noreturn]] void limitError() {
    std::fprintf(stderr, "the run passed %llu events, the limit\n", (unsigned long long)maxEvents);
    std::exit(1);
  }

 public:
  double now = 0;
  uint64_t eventsProcessed = 0;

  explicit Engine(size_t capacity) : keys(makeKeys(capacity)), queue(keys) {}
  static Keys makeKeys(size_t capacity) {
    Keys k;
    size_t cap = capacity < 16 ? 16 : capacity;
    k.ev.resize(cap); k.gen.resize(cap);
    return k;
  }
  int32_t reg(Handler* h) { handlers.push_back(h); return (int32_t)handlers.size() - 1; }
  void schedule(double delay, int32_t h, int32_t a = 0, int32_t b = 0, int32_t c = 0) {
    double at = now + delay;
    if (!(at >= now) || at > MAX_TIME_NS) timeError(at);
    keys.t = at;
    int32_t slot = queue.push();
    keys.ev[(size_t)slot] = Payload{h, a, b, c};
  }
  void stop() { stopped = true; }
  uint64_t run() {
    uint64_t events = 0, budget = maxEvents - eventsProcessed;
    stopped = false;
    while (!stopped) {
      int32_t slot = queue.pop();
      if (slot == -1) break;
      now = keys.t;
      Payload p = keys.ev[(size_t)slot];
      if (cancellable) keys.gen[(size_t)slot] = (keys.gen[(size_t)slot] + 1) & ((1 << 26) - 1);
      if (p.h == CANCELLED) continue;
      if (++events > budget) limitError();
      if ((events & PROGRESS_MASK) == 0 && onProgress != nullptr) onProgress(eventsProcessed + events, now);
      handlers[(size_t)p.h]->onEvent(p.a, p.b, p.c);
    }
    eventsProcessed += events;
    return events;
  }
};
