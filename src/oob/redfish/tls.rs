//! The HTTP client a driver talks through, with its BMC's TLS setting. The TLS
//! configuration (the system's roots loaded and parsed, a CA file read) is built once per
//! setting for the whole process and shared; each driver gets its own client on top, so
//! its pooled connections stay on the runtime that opened them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_platform_verifier::BuilderVerifierExt;

use crate::oob::{Bmc, OobError, OobErrorKind, TlsMode};

/// A client for `bmc`: its TLS setting, `timeout` for each whole request, redirects
/// followed on the same host only (a session token must not go elsewhere).
pub fn client(bmc: &Bmc, timeout: Duration) -> Result<reqwest::Client, OobError> {
    let tls = shared_config(&bmc.tls).map_err(|message| OobError::new(OobErrorKind::Config, bmc, message))?;
    let same_host = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(reqwest::Url::origin);
        if attempt.previous().len() > 5 {
            attempt.error("more than 5 redirects")
        } else if first.is_some_and(|f| f == attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(same_host)
        .user_agent(concat!("drydock/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            OobError::new(
                OobErrorKind::Config,
                bmc,
                format!("cannot set up the HTTP client: {e}"),
            )
        })
}

/// The configuration for `mode`, built on first use. A handful of settings per run at
/// most, so a list is enough.
fn shared_config(mode: &TlsMode) -> Result<Arc<ClientConfig>, String> {
    static BUILT: Mutex<Vec<(TlsMode, Arc<ClientConfig>)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, config)) = built.iter().find(|(m, _)| m == mode) {
        return Ok(config.clone());
    }
    let config = Arc::new(build(mode)?);
    built.push((mode.clone(), config.clone()));
    Ok(config)
}

fn build(mode: &TlsMode) -> Result<ClientConfig, String> {
    crate::maas::client::install_tls();
    let builder = ClientConfig::builder();
    Ok(match mode {
        TlsMode::Verify => builder
            .with_platform_verifier()
            .map_err(|e| format!("cannot load the system's CA certificates to check the BMC's: {e}"))?
            .with_no_client_auth(),
        TlsMode::CaFile(path) => {
            let shown = path.display();
            let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {shown}: {e}"))?;
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("the CA file {shown} is not valid PEM: {e}"))?;
                roots.add(cert).map_err(|e| {
                    format!("the CA file {shown} holds a certificate drydock cannot use: {e}")
                })?;
            }
            if roots.is_empty() {
                return Err(format!("the CA file {shown} holds no PEM certificate"));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsMode::Insecure => {
            let provider = builder.crypto_provider().clone();
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        }
    })
}

/// Accepts whatever certificate the BMC shows (`oob.tls_verify: false`), still checking
/// that the BMC holds its key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
