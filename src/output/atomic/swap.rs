//! Renames that cannot lose a folder, from Linux `renameat2`: swap two
//! folders in one step, or move a folder only where nothing is. `Ok(false)`
//! means the system or file system lacks them (ENOSYS, EINVAL, not Linux);
//! the caller then falls back to plain renames.

use std::io;
use std::path::Path;

/// Swaps `a` and `b`, both of which exist.
pub fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    imp::renameat2(a, b, imp::EXCHANGE)
}

/// Moves `from` to `to`, failing with `AlreadyExists` if `to` exists.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<bool> {
    imp::renameat2(from, to, imp::NOREPLACE)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::CString;
    use std::io;
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    pub const EXCHANGE: libc::c_uint = libc::RENAME_EXCHANGE;
    pub const NOREPLACE: libc::c_uint = libc::RENAME_NOREPLACE;

    fn c_path(p: &Path) -> io::Result<CString> {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL byte"))
    }

    pub fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<bool> {
        let (from, to) = (c_path(from)?, c_path(to)?);
        // The raw system call, so an older C library without the wrapper
        // still gets it.
        // SAFETY: both pointers are valid NUL-terminated strings that live
        // across the call; AT_FDCWD makes relative paths mean what std's do.
        let r = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                flags,
            )
        };
        if r == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            // Our paths are siblings, so EINVAL means the flag is unsupported.
            Some(libc::ENOSYS) | Some(libc::EINVAL) => Ok(false),
            _ => Err(e),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::io;
    use std::path::Path;

    pub const EXCHANGE: u32 = 2;
    pub const NOREPLACE: u32 = 1;

    pub fn renameat2(_: &Path, _: &Path, _: u32) -> io::Result<bool> {
        Ok(false)
    }
}
