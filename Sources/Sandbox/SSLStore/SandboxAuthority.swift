import Crypto
import Foundation
import SwiftASN1
import X509

/// The sandbox's own certificate authority: one P-256 key and self-signed root per sandbox folder, kept in its
/// settings, that signs the certificates the TheSSLStore simulator issues.
struct SandboxAuthority: Sendable {
    let key: Certificate.PrivateKey
    let certificate: Certificate
    static let name = try! DistinguishedName {
        OrganizationName("Portal Sandbox"); CommonName("Portal Sandbox CA")
    }

    init(store: SandboxStore) throws {
        let signing = try P256.Signing.PrivateKey(
            pemRepresentation: store.setting("sslstore.ca-key", default: P256.Signing.PrivateKey().pemRepresentation))
        key = Certificate.PrivateKey(signing)
        let now = Date()
        let made = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(20 * 365 * 86_400),
            issuer: Self.name, subject: Self.name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                KeyUsage(keyCertSign: true, cRLSign: true)
            },
            issuerPrivateKey: key
        )
        let madePEM = try made.serializeAsPEM().pemString
        certificate = try Certificate(pemEncoded: store.setting("sslstore.ca-certificate", default: madePEM))
    }

    func certificatePEM() throws -> String { try certificate.serializeAsPEM().pemString }

    /// A server certificate for the CSR's key, for `domain` and `sans`, valid between the dates.
    func issue(csr pem: String, domain: String, sans: [String], from start: Date, to end: Date, serial: Int64) throws
        -> String
    {
        let request = try CertificateSigningRequest(pemEncoded: pem)
        var names = [domain]
        for name in sans where !names.contains(name) { names.append(name) }
        let issued = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(bytes: withUnsafeBytes(of: UInt64(serial).bigEndian) { Array($0) }),
            publicKey: request.publicKey, notValidBefore: start, notValidAfter: end, issuer: certificate.subject,
            subject: try DistinguishedName { CommonName(domain) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                KeyUsage(digitalSignature: true)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { .dnsName($0) })
            },
            issuerPrivateKey: key
        )
        return try issued.serializeAsPEM().pemString
    }
}
