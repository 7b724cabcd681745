//! The few operating-system calls that std does not offer, behind safe functions:
//! the effective user, looking users up (for running PostgreSQL as an unprivileged user
//! when we are root, and for libpq's default user name), and signals (stopping a
//! PostgreSQL server the way `pg_ctl stop` does).

use std::ffi::{CStr, CString};

/// A local user account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// The effective user id of this process.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The account named `name`, through NSS (`getpwnam_r`), or `None` when there is none.
pub fn user_by_name(name: &str) -> Option<User> {
    let cname = CString::new(name).ok()?;
    lookup(|pwd, buf, result| {
        // SAFETY: every pointer is valid for the call; buf's length is passed with it.
        unsafe { libc::getpwnam_r(cname.as_ptr(), pwd, buf.as_mut_ptr(), buf.len(), result) }
    })
}

/// The account of the effective user id, or `None` when it has no name.
pub fn current_user() -> Option<User> {
    let uid = effective_uid();
    lookup(|pwd, buf, result| {
        // SAFETY: as in user_by_name.
        unsafe { libc::getpwuid_r(uid, pwd, buf.as_mut_ptr(), buf.len(), result) }
    })
}

fn lookup(
    call: impl Fn(*mut libc::passwd, &mut [libc::c_char], *mut *mut libc::passwd) -> libc::c_int,
) -> Option<User> {
    let mut size = 1024;
    loop {
        let mut buf: Vec<libc::c_char> = vec![0; size];
        // SAFETY: passwd is plain old data; all-zero is a valid (empty) value.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = call(&mut pwd, &mut buf, &mut result);
        if rc == libc::ERANGE && size < 1 << 20 {
            size *= 4;
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success pw_name points to a NUL-terminated string inside buf,
        // which is still alive here.
        let name = unsafe { CStr::from_ptr(pwd.pw_name) }
            .to_string_lossy()
            .into_owned();
        return Some(User {
            name,
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
        });
    }
}

/// Signals `pid` may be sent.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// PostgreSQL: fast shutdown (roll back, disconnect, checkpoint, exit).
    Interrupt,
    /// PostgreSQL: immediate shutdown (children told to quit at once, no checkpoint).
    Quit,
    Kill,
}

/// Sends `signal` to process `pid`; false when it failed (no such process, or not ours).
pub fn send_signal(pid: u32, signal: Signal) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    let sig = match signal {
        Signal::Interrupt => libc::SIGINT,
        Signal::Quit => libc::SIGQUIT,
        Signal::Kill => libc::SIGKILL,
    };
    // SAFETY: kill has no memory preconditions; pid > 0 names one process only.
    unsafe { libc::kill(pid, sig) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_user_is_found_by_uid_and_by_name() {
        let me = current_user().expect("the test runs as a named user");
        assert_eq!(me.uid, effective_uid());
        assert_eq!(user_by_name(&me.name), Some(me));
    }

    #[test]
    fn unknown_users_and_bad_names_are_none() {
        assert_eq!(user_by_name("no-such-user-schemaguard-test"), None);
        assert_eq!(user_by_name("nul\0byte"), None);
    }

    #[test]
    fn signals_to_nonexistent_or_invalid_pids_fail() {
        assert!(!send_signal(0, Signal::Quit));
        assert!(!send_signal(u32::MAX, Signal::Quit));
    }
}
