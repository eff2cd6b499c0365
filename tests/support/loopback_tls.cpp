// tests/support/loopback_tls.cpp
#include "tests/support/loopback_tls.h"

#include "shared/crypto/certificates.h"
#include "shared/util/files.h"

namespace rapport::testing {

net::TlsFiles write_loopback_tls(const std::filesystem::path& dir, const std::string& name) {
  const auto ca = crypto::create_certificate_authority("Loopback Test CA").value();
  crypto::CertificateRequest request;
  request.common_name = name;
  request.ip_addresses = {"127.0.0.1"};
  request.use = crypto::CertificateUse::kServer;
  const auto cert = crypto::issue_certificate(ca, request).value();
  net::TlsFiles files{dir / (name + ".pem"), dir / (name + ".key"), dir / "ca.pem"};
  write_file_atomically(files.ca_certificates, ca.certificate_pem, false);
  write_file_atomically(files.certificate, cert.certificate_pem, false);
  write_file_atomically(files.private_key, cert.private_key_pem, true);
  return files;
}

}  // namespace rapport::testing
