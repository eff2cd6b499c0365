// shared/crypto/openssl_handles.h
//
// Internal to shared/crypto and its tests: owning std::unique_ptr aliases for OpenSSL
// objects, so every early return frees what was allocated. Not part of any public API.

#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace rapport::crypto::ossl {

// Calls the OpenSSL release function `Free` on a non-null pointer (unique_ptr skips null).
template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* object) const noexcept {
    Free(object);
  }
};

// OPENSSL_free is a macro (it records file and line), so it needs its own deleter.
struct OpenSslFree {
  void operator()(void* memory) const noexcept { OPENSSL_free(memory); }
};

using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<&ASN1_INTEGER_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<&ASN1_OCTET_STRING_free>>;
using BigNumPtr = std::unique_ptr<BIGNUM, Deleter<&BN_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<&BIO_free_all>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<&GENERAL_NAMES_free>>;
using KeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<&EVP_PKEY_CTX_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<&EVP_PKEY_free>>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, Deleter<&EVP_MD_CTX_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<&X509_EXTENSION_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<&X509_free>>;
using X509RequestPtr = std::unique_ptr<X509_REQ, Deleter<&X509_REQ_free>>;
using X509StoreContextPtr = std::unique_ptr<X509_STORE_CTX, Deleter<&X509_STORE_CTX_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<&X509_STORE_free>>;
template <class T>
using OpenSslMemoryPtr = std::unique_ptr<T, OpenSslFree>;  // for BN_bn2hex, ASN1_STRING_to_UTF8

}  // namespace rapport::crypto::ossl
