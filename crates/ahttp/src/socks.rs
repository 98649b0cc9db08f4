//! SOCKS proxies (aiohttp lacks them, aiohttp#54): SOCKS4a, SOCKS5 with
//! local name resolution, and SOCKS5 with remote resolution (`socks5h`),
//! with username/password authentication (RFC 1928, RFC 1929).

use crate::error::{Error, ErrorKind, Result};
use crate::runtime::BoxIo;
use futures_util::{AsyncReadExt, AsyncWriteExt};
use std::net::IpAddr;

/// Which SOCKS dialect a proxy URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SocksVersion {
    /// `socks4a://`: the proxy resolves names.
    V4a,
    /// `socks5://`: names are resolved here and the proxy gets addresses.
    V5,
    /// `socks5h://`: the proxy resolves names.
    V5h,
}

/// What to connect the tunnel to: a name, or an address resolved here.
pub(crate) enum Target<'a> {
    Name(&'a str),
    Ip(IpAddr),
}

fn socks_error(code: u8, what: &str) -> Error {
    Error::new(
        ErrorKind::SocksProxy { code },
        format!("the SOCKS proxy refused the connection: {what}"),
    )
}

fn io_error(e: std::io::Error) -> Error {
    Error::new(ErrorKind::Os, "SOCKS handshake failed").with_source(e)
}

/// Opens a tunnel through the SOCKS proxy on `io` to `target:port`.
pub(crate) async fn connect(
    mut io: BoxIo,
    version: SocksVersion,
    auth: Option<(&str, &str)>,
    target: Target<'_>,
    port: u16,
) -> Result<BoxIo> {
    match version {
        SocksVersion::V4a => {
            socks4a(&mut io, auth.map(|a| a.0).unwrap_or(""), target, port).await?
        }
        SocksVersion::V5 | SocksVersion::V5h => socks5(&mut io, auth, target, port).await?,
    }
    Ok(io)
}

async fn socks4a(io: &mut BoxIo, user: &str, target: Target<'_>, port: u16) -> Result<()> {
    let mut req = vec![0x04, 0x01];
    req.extend_from_slice(&port.to_be_bytes());
    match &target {
        Target::Ip(IpAddr::V4(ip)) => req.extend_from_slice(&ip.octets()),
        Target::Ip(IpAddr::V6(_)) => {
            return Err(Error::new(
                ErrorKind::Builder,
                "SOCKS4a cannot reach an IPv6 address",
            ));
        }
        // 0.0.0.x with x != 0 announces a name after the user id.
        Target::Name(_) => req.extend_from_slice(&[0, 0, 0, 1]),
    }
    req.extend_from_slice(user.as_bytes());
    req.push(0);
    if let Target::Name(name) = target {
        req.extend_from_slice(name.as_bytes());
        req.push(0);
    }
    io.write_all(&req).await.map_err(io_error)?;
    io.flush().await.map_err(io_error)?;
    let mut reply = [0u8; 8];
    io.read_exact(&mut reply).await.map_err(io_error)?;
    match reply[1] {
        0x5a => Ok(()),
        code => Err(socks_error(
            code,
            match code {
                0x5b => "request rejected or failed",
                0x5c | 0x5d => "identd check failed",
                _ => "unknown SOCKS4 reply",
            },
        )),
    }
}

async fn socks5(
    io: &mut BoxIo,
    auth: Option<(&str, &str)>,
    target: Target<'_>,
    port: u16,
) -> Result<()> {
    // Greeting: no authentication, and username/password when we have it.
    let greeting: &[u8] = if auth.is_some() {
        &[0x05, 0x02, 0x00, 0x02]
    } else {
        &[0x05, 0x01, 0x00]
    };
    io.write_all(greeting).await.map_err(io_error)?;
    io.flush().await.map_err(io_error)?;
    let mut choice = [0u8; 2];
    io.read_exact(&mut choice).await.map_err(io_error)?;
    if choice[0] != 0x05 {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            "the proxy does not speak SOCKS5",
        ));
    }
    match (choice[1], auth) {
        (0x00, _) => {}
        (0x02, Some((user, pass))) => {
            if user.len() > 255 || pass.len() > 255 {
                return Err(Error::new(
                    ErrorKind::Builder,
                    "SOCKS5 credentials longer than 255 bytes",
                ));
            }
            let mut req = vec![0x01, user.len() as u8];
            req.extend_from_slice(user.as_bytes());
            req.push(pass.len() as u8);
            req.extend_from_slice(pass.as_bytes());
            io.write_all(&req).await.map_err(io_error)?;
            io.flush().await.map_err(io_error)?;
            let mut status = [0u8; 2];
            io.read_exact(&mut status).await.map_err(io_error)?;
            if status[1] != 0 {
                return Err(socks_error(
                    status[1],
                    "username/password authentication failed",
                ));
            }
        }
        (0xff, _) | (_, _) => {
            return Err(socks_error(0xff, "no acceptable authentication method"));
        }
    }
    let mut req = vec![0x05, 0x01, 0x00];
    match target {
        Target::Ip(IpAddr::V4(ip)) => {
            req.push(0x01);
            req.extend_from_slice(&ip.octets());
        }
        Target::Ip(IpAddr::V6(ip)) => {
            req.push(0x04);
            req.extend_from_slice(&ip.octets());
        }
        Target::Name(name) => {
            if name.len() > 255 {
                return Err(Error::new(
                    ErrorKind::InvalidUrl,
                    "host name longer than 255 bytes",
                ));
            }
            req.push(0x03);
            req.push(name.len() as u8);
            req.extend_from_slice(name.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    io.write_all(&req).await.map_err(io_error)?;
    io.flush().await.map_err(io_error)?;
    let mut head = [0u8; 4];
    io.read_exact(&mut head).await.map_err(io_error)?;
    if head[1] != 0 {
        let what = match head[1] {
            0x01 => "general failure",
            0x02 => "connection not allowed by ruleset",
            0x03 => "network unreachable",
            0x04 => "host unreachable",
            0x05 => "connection refused",
            0x06 => "TTL expired",
            0x07 => "command not supported",
            0x08 => "address type not supported",
            _ => "unknown SOCKS5 reply",
        };
        return Err(socks_error(head[1], what));
    }
    // The bound address, which we do not need.
    let rest = match head[3] {
        0x01 => 4 + 2,
        0x04 => 16 + 2,
        0x03 => {
            let mut len = [0u8; 1];
            io.read_exact(&mut len).await.map_err(io_error)?;
            usize::from(len[0]) + 2
        }
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "invalid SOCKS5 reply address type",
            ))
        }
    };
    let mut skip = vec![0u8; rest];
    io.read_exact(&mut skip).await.map_err(io_error)?;
    Ok(())
}
