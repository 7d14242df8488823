//! Sign-in throttling: failed sign-ins are counted per account and per client address.
//! Past a small allowance each further failure closes the door for a while, twice as long
//! each time up to a cap, so guessing is slow but nobody is locked out for good. A success
//! clears the account's count. Counts live in memory, a bounded number of them; with
//! several app servers (PostgreSQL) each tells the others of every sign-in it counts
//! (`tell_others`, `heard`), so the allowance is one for all of them, not one per server.

use crate::base::db::Pool;
use crate::base::db::per_database;
use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Failures allowed before the first wait: per account, and per address (higher: many
/// people may sign in from behind one office router).
const ACCOUNT_ALLOWANCE: u32 = 5;
const ADDRESS_ALLOWANCE: u32 = 20;
/// The first wait, doubled by each further failure, up to the cap.
const FIRST_WAIT: Duration = Duration::from_secs(1);
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// A count with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// At most this many accounts and as many addresses are tracked; beyond, the stalest go.
const TRACKED_AT_MOST: usize = 10_000;

#[derive(Clone, Default)]
pub struct Throttle(Arc<Mutex<Counts>>);

#[derive(Default)]
struct Counts {
    accounts: HashMap<String, Failures>,
    addresses: HashMap<IpAddr, Failures>,
    /// Sign-ins under way, each of which may yet fail.
    accounts_trying: HashMap<String, u32>,
    addresses_trying: HashMap<IpAddr, u32>,
}

/// A sign-in under way, counted against the allowance until it ends (dropped). Without it a
/// flood of concurrent guesses all passed the check before the first of them had failed
/// (200 at once from one address: 200 answers of "wrong password", none slowed).
pub struct Attempt {
    throttle: Throttle,
    account: String,
    address: IpAddr,
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let mut counts = self.throttle.lock();
        ended(&mut counts.accounts_trying, &self.account);
        ended(&mut counts.addresses_trying, &self.address);
    }
}

fn ended<K: Eq + Hash>(trying: &mut HashMap<K, u32>, key: &K) {
    if let Some(n) = trying.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            trying.remove(key);
        }
    }
}

/// How many more sign-ins may be under way at once: what is left of the allowance, and past
/// it (once its wait is over) one at a time.
fn room(failures: Option<&Failures>, allowance: u32) -> u32 {
    allowance
        .saturating_sub(failures.map_or(0, |f| f.count))
        .max(1)
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    /// Closed until then (past the allowance).
    until: Option<Instant>,
}

impl Throttle {
    /// The sign-in throttle of this database's server.
    pub fn of(pool: &Pool) -> Throttle {
        per_database(pool)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long this attempt must wait, if the account or the address is closed now.
    pub fn wait(&self, account: &str, address: IpAddr) -> Option<Duration> {
        self.wait_at(account, address, Instant::now())
    }

    fn wait_at(&self, account: &str, address: IpAddr, now: Instant) -> Option<Duration> {
        let counts = self.lock();
        let left = |f: Option<&Failures>| {
            f.and_then(|f| f.until)
                .and_then(|u| u.checked_duration_since(now).filter(|d| !d.is_zero()))
        };
        match (
            left(counts.accounts.get(account)),
            left(counts.addresses.get(&address)),
        ) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Starts a sign-in: refused with the wait when the account or the address is closed,
    /// or when as many sign-ins are under way as could still fail within the allowance.
    pub fn begin(&self, account: &str, address: IpAddr) -> Result<Attempt, Duration> {
        if let Some(wait) = self.wait(account, address) {
            return Err(wait);
        }
        let mut counts = self.lock();
        let account_busy = counts.accounts_trying.get(account).copied().unwrap_or(0)
            >= room(counts.accounts.get(account), ACCOUNT_ALLOWANCE);
        let address_busy = counts.addresses_trying.get(&address).copied().unwrap_or(0)
            >= room(counts.addresses.get(&address), ADDRESS_ALLOWANCE);
        if account_busy || address_busy {
            return Err(FIRST_WAIT);
        }
        *counts
            .accounts_trying
            .entry(account.to_string())
            .or_default() += 1;
        *counts.addresses_trying.entry(address).or_default() += 1;
        Ok(Attempt {
            throttle: self.clone(),
            account: account.to_string(),
            address,
        })
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, account: &str, address: IpAddr) {
        self.failed_at(account, address, Instant::now());
    }

    fn failed_at(&self, account: &str, address: IpAddr, now: Instant) {
        let mut counts = self.lock();
        count(
            &mut counts.accounts,
            account.to_string(),
            ACCOUNT_ALLOWANCE,
            now,
        );
        count(&mut counts.addresses, address, ADDRESS_ALLOWANCE, now);
    }

    /// A successful sign-in clears the account's count.
    pub fn succeeded(&self, account: &str) {
        self.lock().accounts.remove(account);
    }
}

/// The signal that carries a sign-in to the other app servers.
pub const SIGNAL: &str = "sign-in";

/// A sign-in one server counted, as the others hear of it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Heard {
    /// The server that counted it (it does not count it twice).
    from: u64,
    account: String,
    /// The address of a failure; none for a success.
    failed_from: Option<IpAddr>,
}

/// Tells the other app servers of a sign-in this one counted: a failure from `failed_from`,
/// or a success. Nothing to do with SQLite (one server).
pub fn tell_others(pool: &Pool, account: &str, failed_from: Option<IpAddr>) {
    let heard = Heard {
        from: crate::base::signal::this_process(),
        account: account.to_string(),
        failed_from,
    };
    // A name longer than any username counts per address only (signals are small).
    let heard = match heard.account.chars().count() > 64 {
        true => Heard {
            account: String::new(),
            ..heard
        },
        false => heard,
    };
    if let Ok(json) = serde_json::to_string(&heard) {
        crate::base::signal::spawn_send(pool, SIGNAL, json);
    }
}

/// Counts a sign-in another server told of (`SIGNAL`).
pub fn heard(pool: &Pool, payload: &str) {
    let Ok(heard) = serde_json::from_str::<Heard>(payload) else {
        tracing::warn!("a sign-in from another server did not read");
        return;
    };
    if heard.from == crate::base::signal::this_process() {
        return;
    }
    let throttle = Throttle::of(pool);
    match heard.failed_from {
        Some(address) => throttle.failed(&heard.account, address),
        None => throttle.succeeded(&heard.account),
    }
}

fn count<K: Eq + Hash + Clone>(
    map: &mut HashMap<K, Failures>,
    key: K,
    allowance: u32,
    now: Instant,
) {
    if map.len() >= TRACKED_AT_MOST && !map.contains_key(&key) {
        map.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        // Still full: the one whose last failure is oldest goes.
        if map.len() >= TRACKED_AT_MOST
            && let Some(stalest) = map
                .iter()
                .min_by_key(|(_, f)| f.last)
                .map(|(k, _)| k.clone())
        {
            map.remove(&stalest);
        }
    }
    let entry = map.entry(key).or_insert(Failures {
        count: 0,
        last: now,
        until: None,
    });
    if now.duration_since(entry.last) >= FORGET_AFTER {
        *entry = Failures {
            count: 0,
            last: now,
            until: None,
        };
    }
    entry.count += 1;
    entry.last = now;
    if entry.count > allowance {
        let doublings = (entry.count - allowance - 1).min(20);
        let wait = (FIRST_WAIT * 2u32.pow(doublings)).min(LONGEST_WAIT);
        entry.until = Some(now + wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> IpAddr {
        std::net::Ipv4Addr::from(0x0a00_0000 + n).into()
    }

    #[test]
    fn sign_ins_under_way_count_against_the_allowance_until_they_end() {
        let throttle = Throttle::default();
        // Many names from one address at once: the address's allowance, then a wait.
        let under_way: Vec<Attempt> = (0..ADDRESS_ALLOWANCE)
            .map(|n| throttle.begin(&format!("name{n}"), ip(1)).unwrap())
            .collect();
        assert_eq!(throttle.begin("one-more", ip(1)).err(), Some(FIRST_WAIT));
        assert!(
            throttle.begin("elsewhere", ip(2)).is_ok(),
            "another address"
        );
        drop(under_way);
        // One account from many addresses: its own allowance.
        let ann: Vec<Attempt> = (0..ACCOUNT_ALLOWANCE)
            .map(|n| throttle.begin("ann", ip(100 + n)).unwrap())
            .collect();
        assert!(throttle.begin("ann", ip(200)).is_err());
        // Two of them failed: three may be under way now, and these three already are.
        throttle.failed("ann", ip(100));
        throttle.failed("ann", ip(101));
        drop(ann);
        let three: Vec<Attempt> = (0..3)
            .map(|n| throttle.begin("ann", ip(300 + n)).unwrap())
            .collect();
        assert!(throttle.begin("ann", ip(400)).is_err());
        drop(three);
        assert!(throttle.begin("ann", ip(400)).is_ok());
        let counts = throttle.lock();
        assert!(counts.accounts_trying.is_empty() && counts.addresses_trying.is_empty());
    }

    #[test]
    fn past_the_allowance_each_failure_doubles_the_wait_up_to_a_cap() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for n in 0..ACCOUNT_ALLOWANCE {
            assert_eq!(throttle.wait_at("ann", ip(n), start), None);
            throttle.failed_at("ann", ip(n), start);
        }
        assert_eq!(
            throttle.wait_at("ann", ip(99), start),
            None,
            "the allowance"
        );
        let mut at = start;
        for expected in [1, 2, 4, 8, 16] {
            throttle.failed_at("ann", ip(99), at);
            assert_eq!(
                throttle.wait_at("ann", ip(100), at),
                Some(Duration::from_secs(expected))
            );
            assert_eq!(
                throttle.wait_at("bob", ip(100), at),
                None,
                "other accounts are open"
            );
            at += Duration::from_secs(expected);
            assert_eq!(
                throttle.wait_at("ann", ip(100), at),
                None,
                "open again after the wait"
            );
        }
        for _ in 0..30 {
            throttle.failed_at("ann", ip(99), at);
        }
        assert_eq!(
            throttle.wait_at("ann", ip(100), at),
            Some(LONGEST_WAIT),
            "never longer"
        );
        throttle.succeeded("ann");
        assert_eq!(
            throttle.wait_at("ann", ip(100), at),
            None,
            "a success clears the account"
        );
        // An hour without failures and the count starts over.
        let later = at + LONGEST_WAIT + FORGET_AFTER;
        throttle.failed_at("carl", ip(7), at);
        for _ in 0..ACCOUNT_ALLOWANCE {
            throttle.failed_at("carl", ip(7), later);
        }
        assert_eq!(throttle.wait_at("carl", ip(8), later), None);
    }

    #[test]
    fn one_address_trying_many_names_is_slowed_too() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for n in 0..ADDRESS_ALLOWANCE {
            throttle.failed_at(&format!("name{n}"), ip(1), now);
        }
        assert_eq!(throttle.wait_at("anyone", ip(1), now), None);
        throttle.failed_at("one-more", ip(1), now);
        assert_eq!(throttle.wait_at("anyone", ip(1), now), Some(FIRST_WAIT));
        assert_eq!(
            throttle.wait_at("anyone", ip(2), now),
            None,
            "other addresses are open"
        );
    }

    #[test]
    fn rotating_names_and_addresses_cannot_grow_it_without_bound() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for n in 0..(TRACKED_AT_MOST as u32 + 500) {
            throttle.failed_at(&format!("name{n}"), ip(n), now);
        }
        let counts = throttle.lock();
        assert_eq!(counts.accounts.len(), TRACKED_AT_MOST);
        assert_eq!(counts.addresses.len(), TRACKED_AT_MOST);
    }
}
