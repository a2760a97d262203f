//! Capabilities and limits fixed when an executable is built (`--dir`, `--env`,
//! `--inherit-env`, `--max-memory`, `--max-stack`, `--timeout`), serialised by the CLI
//! into the object and read back by the runtime's `main`.

/// What a produced executable grants the guest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecConfig {
    /// Preopened directories: host path (relative paths resolve against the working
    /// directory when the executable starts) and guest path.
    pub dirs: Vec<(String, String)>,
    /// Environment variables given to the guest, in order.
    pub env: Vec<(String, String)>,
    /// Pass the host environment through (before `env`, which overrides it).
    pub inherit_env: bool,
    /// Native stack bytes wasm code may use before "call stack exhausted".
    pub max_wasm_stack: u64,
    /// The most pages each linear memory may have (`memory.grow` fails beyond it);
    /// 0 for the module's own maximum.
    pub max_memory_pages: u64,
    /// Wall-clock seconds before the program is stopped; 0 for no limit.
    pub timeout_secs: u64,
}

const MAGIC: &[u8; 4] = b"WAC2";

impl ExecConfig {
    /// Serialises the configuration.
    pub fn encode(&self) -> Vec<u8> {
        fn put_str(out: &mut Vec<u8>, s: &str) {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        let mut out = MAGIC.to_vec();
        out.push(u8::from(self.inherit_env));
        out.extend_from_slice(&self.max_wasm_stack.to_le_bytes());
        out.extend_from_slice(&self.max_memory_pages.to_le_bytes());
        out.extend_from_slice(&self.timeout_secs.to_le_bytes());
        for list in [&self.dirs, &self.env] {
            out.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for (a, b) in list {
                put_str(&mut out, a);
                put_str(&mut out, b);
            }
        }
        out
    }

    /// Parses what [`ExecConfig::encode`] produced; `None` if it is malformed.
    pub fn decode(bytes: &[u8]) -> Option<ExecConfig> {
        struct Reader<'a>(&'a [u8]);
        impl<'a> Reader<'a> {
            fn take(&mut self, n: usize) -> Option<&'a [u8]> {
                let (head, tail) = self.0.split_at_checked(n)?;
                self.0 = tail;
                Some(head)
            }
            fn u64(&mut self) -> Option<u64> {
                Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
            }
            fn u32(&mut self) -> Option<u32> {
                Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
            }
            fn string(&mut self) -> Option<String> {
                let len = self.u32()? as usize;
                String::from_utf8(self.take(len)?.to_vec()).ok()
            }
            fn pairs(&mut self) -> Option<Vec<(String, String)>> {
                (0..self.u32()?)
                    .map(|_| Some((self.string()?, self.string()?)))
                    .collect()
            }
        }
        let mut r = Reader(bytes);
        if r.take(4)? != MAGIC {
            return None;
        }
        let inherit_env = r.take(1)?[0] != 0;
        let max_wasm_stack = r.u64()?;
        let max_memory_pages = r.u64()?;
        let timeout_secs = r.u64()?;
        let dirs = r.pairs()?;
        let env = r.pairs()?;
        r.0.is_empty().then_some(ExecConfig {
            dirs,
            env,
            inherit_env,
            max_wasm_stack,
            max_memory_pages,
            timeout_secs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let config = ExecConfig {
            dirs: vec![("data".into(), "/data".into()), (".".into(), ".".into())],
            env: vec![("LANG".into(), "C".into()), ("EMPTY".into(), String::new())],
            inherit_env: true,
            max_wasm_stack: 1 << 20,
            max_memory_pages: 16,
            timeout_secs: 5,
        };
        let bytes = config.encode();
        assert_eq!(ExecConfig::decode(&bytes), Some(config));
        assert_eq!(ExecConfig::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(ExecConfig::decode(b"nope"), None);
    }
}
