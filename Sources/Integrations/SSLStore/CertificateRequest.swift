import Crypto
import Foundation
import X509

/// A fresh private key and the certificate signing request for it: what a certificate order sends, and what the
/// portal keeps (sealed) to install the certificate once it is issued.
package struct CertificateRequest: Sendable {
    package let privateKeyPEM: String
    package let csrPEM: String

    /// A P-256 key and a CSR for `commonName`, listing it and `alternativeNames` as subject alternative names.
    package static func make(commonName: String, alternativeNames: [String] = []) throws -> CertificateRequest {
        let key = P256.Signing.PrivateKey()
        var names = [commonName]
        for name in alternativeNames where !names.contains(name) { names.append(name) }
        let extensions = try Certificate.Extensions { SubjectAlternativeNames(names.map { .dnsName($0) }) }
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(commonName) },
            privateKey: Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes([try .init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256
        )
        return CertificateRequest(privateKeyPEM: key.pemRepresentation, csrPEM: try csr.serializeAsPEM().pemString)
    }

    /// The common name a PEM CSR asks for; nil when it is not a well-formed, correctly signed CSR.
    package static func commonName(ofCSR pem: String) -> String? {
        guard let csr = try? CertificateSigningRequest(pemEncoded: pem),
            csr.publicKey.isValidSignature(csr.signature, for: csr)
        else { return nil }
        return csr.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.flatMap { String($0.value) }
    }
}

/// What the portal reads from an issued certificate before it installs or offers it.
package struct IssuedCertificate: Sendable, Equatable {
    package let commonName: String
    package let notValidBefore: Date
    package let notValidAfter: Date

    /// Parses the first certificate in `pem` and checks that it was issued for `privateKeyPEM`'s key.
    package static func read(_ pem: String, privateKeyPEM: String) throws -> IssuedCertificate {
        let certificate = try Certificate(pemEncoded: pem)
        let key = try Certificate.PrivateKey(pemEncoded: privateKeyPEM)
        guard certificate.publicKey == key.publicKey else { throw CertificateMismatch() }
        let name =
            certificate.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.flatMap {
                String($0.value)
            } ?? ""
        return IssuedCertificate(
            commonName: name, notValidBefore: certificate.notValidBefore, notValidAfter: certificate.notValidAfter)
    }

    package struct CertificateMismatch: Error, CustomStringConvertible {
        package var description: String { "the issued certificate is not for the key this order was placed with" }
    }
}
