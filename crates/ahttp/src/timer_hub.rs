//! Many deadlines on one runtime timer.
//!
//! Every request arms a deadline (the total timeout, 300 s by default), and
//! almost none of them ever fires. Where registering a runtime timer is
//! cheap (tokio's timer wheel) that does not matter. async-io, under smol
//! and async-std, queues every insertion for its reactor and then *notifies*
//! the reactor so that it re-computes its wait: with 64 requests in flight
//! that cost a third of the client's CPU time per request in the loopback
//! benchmark (`benches/loopback.sh`: 15 against 11.7 µs with no deadline
//! at all). [`TimerHub`] keeps the deadlines in its own ordered map and
//! holds a single runtime timer, for the earliest one. A new deadline later
//! than that one (the usual case: now + 300 s) is a map insertion under a
//! lock, and a finished request's deadline a removal; the runtime timer is
//! only re-armed when a deadline earlier than all others arrives or when it
//! fires.

use std::collections::btree_map::{BTreeMap, Entry};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

/// A set of deadlines served by one runtime timer at a time; see the
/// module documentation. `T` is the runtime's timer (completing at the
/// instant it was made for), made by the function given to [`TimerHub::new`]
/// from any thread and polled from any thread; its `poll` must not wake the
/// waker it is given before returning (wake-ups come later, from the
/// runtime), as async-io's and tokio's timers do not.
///
/// The armed runtime timer holds a waker that points back at the hub, so
/// a hub's memory is freed only once that timer has fired or been
/// replaced after its last handle is gone. The adapters keep one hub for
/// the life of the process.
pub struct TimerHub<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for TimerHub<T> {
    fn clone(&self) -> Self {
        TimerHub {
            shared: self.shared.clone(),
        }
    }
}

impl<T> std::fmt::Debug for TimerHub<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("TimerHub")
            .field("waiting", &state.waiting.len())
            .field("armed_for", &state.armed.as_ref().map(|(at, _)| *at))
            .finish()
    }
}

struct Shared<T> {
    make_timer: fn(Instant) -> T,
    state: Mutex<State<T>>,
}

struct State<T> {
    /// The waiting deadlines, each with the waker of its task.
    waiting: BTreeMap<(Instant, u64), Waker>,
    next_id: u64,
    /// The runtime timer and the instant it completes at. Invariant: when
    /// `waiting` is not empty, this is set, no later than its first key.
    armed: Option<(Instant, T)>,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic under the lock leaves the map consistent (every change
        // is one insertion or removal), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> TimerHub<T>
where
    T: Future + Send + Unpin + 'static,
{
    /// A hub whose runtime timers come from `make_timer`.
    pub fn new(make_timer: fn(Instant) -> T) -> Self {
        TimerHub {
            shared: Arc::new(Shared {
                make_timer,
                state: Mutex::new(State {
                    waiting: BTreeMap::new(),
                    next_id: 0,
                    armed: None,
                }),
            }),
        }
    }

    /// A future that completes at `deadline`.
    pub fn sleep_until(&self, deadline: Instant) -> HubSleep<T> {
        HubSleep {
            shared: self.shared.clone(),
            deadline,
            id: None,
        }
    }
}

/// The runtime timer fired: hand the due deadlines their wake-ups and arm
/// the timer for the next one.
impl<T> Wake for Shared<T>
where
    T: Future + Send + Unpin + 'static,
{
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let due = {
            let mut state = self.lock();
            state.armed = None;
            rearm(self, &mut state)
        };
        wake_all(due);
    }
}

/// Wakes every task in `due`, each even if an earlier waker panics (they
/// are out of the map already, so one left unwoken would never be): the
/// panic is dropped, as async-io's reactor drops a waker's panic.
fn wake_all(due: Vec<Waker>) {
    for waker in due {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
    }
}

/// Takes the deadlines that have passed out of the map and makes sure the
/// runtime timer is armed for the earliest of the rest. Returns the wakers
/// to wake once the lock is released.
fn rearm<T>(shared: &Arc<Shared<T>>, state: &mut State<T>) -> Vec<Waker>
where
    T: Future + Send + Unpin + 'static,
{
    let mut due = Vec::new();
    loop {
        let now = Instant::now();
        while let Some(entry) = state.waiting.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        let Some(&(next, _)) = state.waiting.keys().next() else {
            return due;
        };
        if matches!(&state.armed, Some((at, _)) if *at <= next) {
            return due;
        }
        let mut timer = (shared.make_timer)(next);
        let waker = Waker::from(shared.clone());
        if Pin::new(&mut timer)
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            state.armed = Some((next, timer));
            return due;
        }
        // That deadline passed while we were at it: go round again.
    }
}

/// A deadline in a [`TimerHub`]: completes when it passes. Dropping it
/// takes it out of the hub.
pub struct HubSleep<T> {
    shared: Arc<Shared<T>>,
    deadline: Instant,
    /// Set while the deadline is in the hub's map.
    id: Option<u64>,
}

impl<T> std::fmt::Debug for HubSleep<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl<T> Future for HubSleep<T>
where
    T: Future + Send + Unpin + 'static,
{
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.leave();
            return Poll::Ready(());
        }
        let this = &mut *self;
        // A waker replaced here is dropped after the lock is released: a
        // waker's drop may run an executor's code.
        let mut replaced = None;
        let due = {
            let mut state = this.shared.lock();
            let id = *this.id.get_or_insert_with(|| {
                state.next_id += 1;
                state.next_id
            });
            match state.waiting.entry((this.deadline, id)) {
                Entry::Occupied(mut waiting) => {
                    if !waiting.get().will_wake(cx.waker()) {
                        replaced = Some(waiting.insert(cx.waker().clone()));
                    }
                }
                Entry::Vacant(place) => {
                    place.insert(cx.waker().clone());
                }
            }
            rearm(&this.shared, &mut state)
        };
        drop(replaced);
        wake_all(due);
        // If this deadline was among the due ones it has been woken and
        // its next poll completes.
        Poll::Pending
    }
}

impl<T> HubSleep<T> {
    fn leave(&mut self) {
        if let Some(id) = self.id.take() {
            // The waker goes after the lock is released (see `poll`).
            let waker = self.shared.lock().waiting.remove(&(self.deadline, id));
            drop(waker);
        }
    }
}

impl<T> Drop for HubSleep<T> {
    fn drop(&mut self) {
        self.leave();
    }
}
