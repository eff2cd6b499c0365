// shared/net/detail/tls_context.cpp
//
// TLS 1.3 context set-up shared by HttpsServer and HttpsClient. Every failure here is a
// configuration mistake found at start-up, so it throws with the file's name in the message.
#include "shared/net/detail/tls_context.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string_view>

#include "shared/crypto/certificates.h"

namespace rapport::net::detail {
namespace {

namespace ssl = boost::asio::ssl;

std::string quoted(const std::filesystem::path& file) { return "'" + file.string() + "'"; }

// Fails early with a plain message, before OpenSSL reports "no such file" without a name.
void require_readable(const std::filesystem::path& file, std::string_view what) {
  if (file.empty()) {
    throw std::runtime_error("TLS " + std::string(what) + " file is not configured");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw std::runtime_error("TLS " + std::string(what) + " file " + quoted(file) +
                             " does not exist or is not a regular file");
  }
  if (!std::ifstream(file)) {
    throw std::runtime_error("TLS " + std::string(what) + " file " + quoted(file) +
                             " cannot be read");
  }
}

ssl::context make_tls13_context(ssl::context::method method) {
  ssl::context context(method);
  if (SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_3_VERSION) != 1) {
    throw std::runtime_error("OpenSSL refuses to restrict TLS to version 1.3");
  }
  return context;
}

void load_identity(ssl::context& context, const TlsFiles& files) {
  require_readable(files.certificate, "certificate");
  require_readable(files.private_key, "private key");
  boost::system::error_code ec;
  context.use_certificate_chain_file(files.certificate.string(), ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS certificate chain " + quoted(files.certificate) +
                             ": " + ec.message());
  }
  context.use_private_key_file(files.private_key.string(), ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("cannot use TLS private key " + quoted(files.private_key) +
                             " with certificate " + quoted(files.certificate) + ": " +
                             ec.message());
  }
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    throw std::runtime_error("TLS private key " + quoted(files.private_key) +
                             " does not match certificate " + quoted(files.certificate));
  }
}

void load_trusted_ca(ssl::context& context, const TlsFiles& files) {
  require_readable(files.ca_certificates, "CA certificates");
  boost::system::error_code ec;
  context.load_verify_file(files.ca_certificates.string(), ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS CA certificates " + quoted(files.ca_certificates) +
                             ": " + ec.message());
  }
}

// Appends the CA certificate to the chain the server sends.
void present_ca(ssl::context& context, const TlsFiles& files) {
  require_readable(files.ca_certificates, "CA certificates");
  BIO* bio = BIO_new_file(files.ca_certificates.string().c_str(), "r");
  X509* ca = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  // SSL_CTX_add1_chain_cert() without its macro's C-style cast; add1 takes its own reference.
  const bool added =
      ca != nullptr && SSL_CTX_ctrl(context.native_handle(), SSL_CTRL_CHAIN_CERT, 1, ca) == 1;
  X509_free(ca);
  if (!added) {
    throw std::runtime_error("cannot send the CA certificate " + quoted(files.ca_certificates) +
                             " in the TLS handshake");
  }
}

// SSL_CTX_set_cert_verify_callback() callback of a pinned client: the pin (SHA-256 of the
// CA's DER, 32 bytes) picks the trust anchor from the chain the server sent, then OpenSSL's
// usual verification (chain, validity, purpose, host name) runs against that anchor alone.
int verify_with_pinned_ca(X509_STORE_CTX* store_context, void* pin_bytes) {
  const auto& pin = *static_cast<const std::string*>(pin_bytes);
  STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(store_context);
  X509* anchor = nullptr;
  for (int i = 0; sent != nullptr && i < sk_X509_num(sent); ++i) {
    X509* candidate = sk_X509_value(sent, i);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(candidate, EVP_sha256(), digest.data(), &length) == 1 && length == pin.size() &&
        CRYPTO_memcmp(digest.data(), pin.data(), length) == 0) {
      anchor = candidate;
      break;
    }
  }
  if (anchor == nullptr) {
    spdlog::error(
        "tls: the server sent no CA certificate with the pinned SHA-256 fingerprint; refusing "
        "it (a different server, or the wrong code)");
    X509_STORE_CTX_set_error(store_context, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  STACK_OF(X509)* trusted = sk_X509_new_null();
  if (trusted == nullptr || sk_X509_push(trusted, anchor) <= 0) {
    sk_X509_free(trusted);
    X509_STORE_CTX_set_error(store_context, X509_V_ERR_OUT_OF_MEM);
    return 0;
  }
  // The stack only borrows `anchor` (owned by the chain) and is freed here; the verified
  // chain the context keeps holds its own references.
  X509_STORE_CTX_set0_trusted_stack(store_context, trusted);
  const int verified = X509_verify_cert(store_context);
  X509_STORE_CTX_set0_trusted_stack(store_context, nullptr);
  sk_X509_free(trusted);
  return verified > 0 ? 1 : 0;
}

}  // namespace

ssl::context make_server_tls_context(const TlsFiles& files, bool require_client_certificate,
                                     bool present_ca_certificate) {
  ssl::context context = make_tls13_context(ssl::context::tls_server);
  load_identity(context, files);
  if (present_ca_certificate) present_ca(context, files);
  if (require_client_certificate) {
    load_trusted_ca(context, files);
    context.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    context.set_verify_mode(ssl::verify_none);
  }
  // Our clients never resume sessions; tickets would only cost a round of bytes.
  SSL_CTX_set_num_tickets(context.native_handle(), 0);
  return context;
}

ssl::context make_client_tls_context(const TlsFiles& files, const std::string& server_name,
                                     const std::string& pinned_ca_sha256) {
  ssl::context context = make_tls13_context(ssl::context::tls_client);
  if (!files.certificate.empty() || !files.private_key.empty()) {
    load_identity(context, files);
  }
  if (pinned_ca_sha256.empty()) {
    load_trusted_ca(context, files);
  } else {
    // const_cast: OpenSSL's callback argument is void*; the callback only reads it.
    SSL_CTX_set_cert_verify_callback(context.native_handle(), verify_with_pinned_ca,
                                     const_cast<std::string*>(&pinned_ca_sha256));
  }
  context.set_verify_mode(ssl::verify_peer);

  // The name check runs inside OpenSSL's chain verification (and is inherited by every
  // connection made from this context), so a mismatch fails the handshake with a reason.
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context.native_handle());
  const bool ok =
      is_ip_literal(server_name)
          ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str()) == 1
          : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size()) == 1;
  if (server_name.empty() || !ok) {
    throw std::runtime_error("invalid TLS server name '" + server_name + "'");
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return context;
}

bool is_ip_literal(const std::string& name) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(name, ec);
  return !ec;
}

PeerIdentity peer_identity(SSL* ssl) {
  X509* certificate = SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  // One parser for certificate fields in the project: shared/crypto's, fed the PEM form.
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  std::string pem;
  if (PEM_write_bio_X509(bio, certificate) == 1) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    if (length > 0) pem.assign(data, static_cast<std::size_t>(length));
  }
  BIO_free(bio);
  const auto info = crypto::read_certificate_info(pem);
  if (!info) return {};
  return {info->common_name, info->serial_hex};
}

std::string describe_tls_failure(const boost::system::error_code& ec, SSL* ssl) {
  std::string reason = ec.message();
  if (ssl != nullptr) {
    const long verdict = SSL_get_verify_result(ssl);
    if (verdict != X509_V_OK) {
      reason += " (peer certificate: ";
      reason += X509_verify_cert_error_string(verdict);
      reason += ")";
    }
  }
  return reason;
}

}  // namespace rapport::net::detail
