/**
 * The TEST root key that stands in for WhatsApp's long-term noise certificate key.
 * It is fixed (not random) so that a child process started with `--import preload` trusts the
 * same root as the simulator in the parent. It signs nothing but simulator certificates, and
 * Baileys trusts it only in a process that imported `preload.ts`.
 */
import { Curve, proto, WA_CERT_DETAILS } from "@whiskeysockets/baileys";
import type { KeyPair } from "@whiskeysockets/baileys";

/** The test root key pair (Curve25519, Baileys' 32-byte public form). */
export const TEST_ROOT_KEY: KeyPair = {
  private: Buffer.from("6876c39d778a9dff34b6efeba8dabafa97dce9a7883c86b5437c158dbb70bc53", "hex"),
  public: Buffer.from("7faecbe38fe147230dd1f967d63ec0f6aa360232313991d9018c69acc032603e", "hex"),
};

/**
 * Builds the CertChain the server sends in its noise hello: an intermediate signed by the test
 * root (issuerSerial must equal WA_CERT_DETAILS.SERIAL), and a leaf for `serverStaticPublic`
 * signed by the intermediate. `root`: another key stands for a server that is not WhatsApp.
 */
export function makeCertChain(serverStaticPublic: Uint8Array, root: KeyPair = TEST_ROOT_KEY): Uint8Array {
  const intermediateKey = Curve.generateKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: WA_CERT_DETAILS.SERIAL,
    key: intermediateKey.public,
    notBefore: now - 3600,
    notAfter: now + 86400,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: serverStaticPublic,
    notBefore: now - 3600,
    notAfter: now + 86400,
  }).finish();
  return proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: Curve.sign(root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(intermediateKey.private, leafDetails) },
  }).finish();
}
