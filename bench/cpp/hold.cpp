// The hold model in plain C++, the native peer of bench/engine.ts: pop the earliest event, schedule one at
// now + delay, with the same xorshift delays, seed, warm-up and drain as the TypeScript bench, so the events/s of
// both can be read side by side. Two queues, both ordered by (time, seq) with FIFO among equal times:
//   heap4    a 4-ary min-heap of (time, seq, payload) structs;
//   calendar a calendar queue over distinct times with a FIFO of events per time: the same algorithm as
//            Orrery's CalendarScheduler (src/engine/calendar.ts), so the ratio measures the language, not the design.
// Both are bare queues: the loop pops and pushes inline, and an event carries one int. A third mode,
//   calendar-engine  the same calendar behind a C++ copy of Orrery's Engine (engine.hpp: a pool with 4 ints of
//            payload per event, the engine's checks, dispatch by a virtual call on a registered handler that
//            schedules the next event), does the same work per event as the TypeScript bench's engine rows.
// Build: g++ -O2 -std=c++17 -o hold hold.cpp
// Run: ./hold <heap4|calendar|calendar-engine> <resident> <ops> <rand|tie>
// Prints one JSON line: {"events":…,"eventsPerSec":…,"wallMs":…,"cpuMs":…,"endNs":…,"checksum":…} (cpuMs: the
// process's CPU time over the timed run, std::clock)
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <vector>

#include "engine.hpp"

struct Rng {
  uint32_t x;
  bool tie;
  uint32_t next() {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return tie ? 1000u * (1u + (x & 15u)) : x % 2000u;
  }
};

struct Ev { double t; double s; int32_t a; };

class Heap4 {
  std::vector<Ev> h;
 public:
  size_t size() const { return h.size(); }
  void push(double t, double s, int32_t a) {
    size_t i = h.size();
    h.push_back(Ev{t, s, a});
    while (i > 0) {
      size_t p = (i - 1) >> 2;
      if (h[p].t <= t) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = Ev{t, s, a};
  }
  // precondition: non-empty
  Ev pop() {
    Ev top = h[0];
    Ev last = h.back();
    h.pop_back();
    size_t n = h.size();
    if (n == 0) return top;
    size_t i = 0;
    for (;;) {
      size_t c = 4 * i + 1;
      if (c >= n) break;
      size_t m = c, e = c + 4 < n ? c + 4 : n;
      for (size_t k = c + 1; k < e; k++)
        if (h[k].t < h[m].t || (h[k].t == h[m].t && h[k].s < h[m].s)) m = k;
      if (last.t < h[m].t || (last.t == h[m].t && last.s < h[m].s)) break;
      h[i] = h[m];
      i = m;
    }
    h[i] = last;
    return top;
  }
};

// Calendar queue over distinct times (R. Brown, CACM 1988), each time an entry holding a FIFO of events.
struct CalEntry { double t; int32_t head, tail, next; };
class Calendar : CalendarTimes<Calendar, CalEntry> {
  friend class CalendarTimes<Calendar, CalEntry>;
  void initFifo(CalEntry& en) { en.head = en.tail = -1; }
  struct Node { int32_t a; int32_t next; };
  std::vector<Node> nodes; std::vector<int32_t> nfree;
  size_t n = 0;

 public:
  size_t size() const { return n; }
  void push(double t, int32_t a) {
    int32_t slot;
    if (!nfree.empty()) { slot = nfree.back(); nfree.pop_back(); }
    else { slot = (int32_t)nodes.size(); nodes.push_back(Node{}); }
    nodes[slot] = Node{a, -1};
    int32_t e = entryOf(t);
    int32_t tl = ents[e].tail;
    if (tl == -1) ents[e].head = slot; else nodes[tl].next = slot;
    ents[e].tail = slot;
    n++;
  }
  // precondition: non-empty; returns the payload and sets *t
  int32_t pop(double* t) {
    int32_t e = minimum();
    int32_t slot = ents[e].head;
    int32_t nx = nodes[slot].next;
    int32_t a = nodes[slot].a;
    *t = ents[e].t;
    nfree.push_back(slot);
    n--;
    if (nx != -1) { ents[e].head = nx; return a; }
    retire(e);
    return a;
  }
};

// The hold loop, as bench/engine.ts's holdEngine: fill `resident` events at now + delay, then pop until empty, each
// pop scheduling one more event while `remaining` lasts. Returns the events popped.
template <class Q> static uint64_t hold(Q& q, Rng& rng, double& now, double& seq, uint64_t resident, uint64_t remaining, int32_t& checksum);

template <> uint64_t hold<Heap4>(Heap4& q, Rng& rng, double& now, double& seq, uint64_t resident, uint64_t remaining, int32_t& checksum) {
  for (uint64_t i = 0; i < resident; i++) q.push(now + rng.next(), seq++, (int32_t)i);
  uint64_t events = 0;
  while (q.size() > 0) {
    Ev e = q.pop();
    now = e.t; events++;
    checksum = (int32_t)((uint32_t)checksum + (uint32_t)e.a);
    if (remaining > 0) { remaining--; q.push(now + rng.next(), seq++, e.a + 1); }
  }
  return events;
}

template <> uint64_t hold<Calendar>(Calendar& q, Rng& rng, double& now, double&, uint64_t resident, uint64_t remaining, int32_t& checksum) {
  for (uint64_t i = 0; i < resident; i++) q.push(now + rng.next(), (int32_t)i);
  uint64_t events = 0;
  while (q.size() > 0) {
    double t;
    int32_t a = q.pop(&t);
    now = t; events++;
    checksum = (int32_t)((uint32_t)checksum + (uint32_t)a);
    if (remaining > 0) { remaining--; q.push(now + rng.next(), a + 1); }
  }
  return events;
}

// The hold model through the engine, as bench/engine.ts's holdEngine: the handler adds `a` to the checksum and,
// while `remaining` lasts, schedules one event at now + delay with payload a + 1.
struct HoldHandler final : Handler {
  Engine& engine; Rng& rng; int32_t id = 0; uint64_t remaining = 0; int32_t checksum = 0;
  HoldHandler(Engine& e, Rng& r) : engine(e), rng(r) {}
  void onEvent(int32_t a, int32_t, int32_t) override {
    checksum = (int32_t)((uint32_t)checksum + (uint32_t)a);
    if (remaining > 0) { remaining--; engine.schedule(rng.next(), id, a + 1); }
  }
};

static void runEngine(uint64_t resident, uint64_t ops, bool tie) {
  Engine engine(resident + 16);
  Rng rng{2463534242u, tie};
  HoldHandler h(engine, rng);
  h.id = engine.reg(&h);
  auto fill = [&] { for (uint64_t i = 0; i < resident; i++) engine.schedule(rng.next(), h.id, (int32_t)i); };
  fill();
  h.remaining = ops < 1000000 ? ops : 1000000; // warm-up, then drain
  engine.run();
  fill();
  h.remaining = ops;
  std::clock_t c0 = std::clock();
  auto t0 = std::chrono::steady_clock::now();
  uint64_t events = engine.run();
  double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  double cpuMs = 1000.0 * (double)(std::clock() - c0) / CLOCKS_PER_SEC;
  std::printf("{\"events\":%llu,\"eventsPerSec\":%.1f,\"wallMs\":%.3f,\"cpuMs\":%.3f,\"endNs\":%.0f,\"checksum\":%d}\n",
              (unsigned long long)events, events / (wallMs / 1000), wallMs, cpuMs, engine.now, h.checksum);
}

template <class Q> static void run(uint64_t resident, uint64_t ops, bool tie) {
  Q q;
  Rng rng{2463534242u, tie};
  double now = 0, seq = 0;
  int32_t checksum = 0;
  hold(q, rng, now, seq, resident, ops < 1000000 ? ops : 1000000, checksum); // warm-up, then drain
  std::clock_t c0 = std::clock();
  auto t0 = std::chrono::steady_clock::now();
  uint64_t events = hold(q, rng, now, seq, resident, ops, checksum);
  double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  double cpuMs = 1000.0 * (double)(std::clock() - c0) / CLOCKS_PER_SEC;
  std::printf("{\"events\":%llu,\"eventsPerSec\":%.1f,\"wallMs\":%.3f,\"cpuMs\":%.3f,\"endNs\":%.0f,\"checksum\":%d}\n",
              (unsigned long long)events, events / (wallMs / 1000), wallMs, cpuMs, now, checksum);
}

int main(int argc, char** argv) {
  if (argc != 5) { std::fprintf(stderr, "usage: hold <heap4|calendar|calendar-engine> <resident> <ops> <rand|tie>\n"); return 2; }
  uint64_t resident = std::strtoull(argv[2], nullptr, 10), ops = std::strtoull(argv[3], nullptr, 10);
  bool tie = std::strcmp(argv[4], "tie") == 0;
  if (!tie && std::strcmp(argv[4], "rand") != 0) { std::fprintf(stderr, "hold: mode: expected rand or tie, got %s\n", argv[4]); return 2; }
  if (std::strcmp(argv[1], "heap4") == 0) run<Heap4>(resident, ops, tie);
  else if (std::strcmp(argv[1], "calendar") == 0) run<Calendar>(resident, ops, tie);
  else if (std::strcmp(argv[1], "calendar-engine") == 0) runEngine(resident, ops, tie);
  else { std::fprintf(stderr, "hold: queue: expected heap4, calendar or calendar-engine, got %s\n", argv[1]); return 2; }
  return 0;
}
