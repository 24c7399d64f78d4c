/**
 * Server side of WhatsApp's Noise XX handshake (Noise_XX_25519_AESGCM_SHA256) and frame layer,
 * the mirror image of Baileys' `Utils/noise-handler.js`: 3-byte big-endian length frames, the
 * client's first bytes prefixed with the `WA\x06\x03` intro; during the handshake one AES-GCM
 * counter with the running hash as AAD (reset on each key mix), afterwards one counter per
 * direction and empty AAD. Pure state, no I/O: the connection feeds bytes and sends what it gets.
 */
import { aesDecryptGCM, aesEncryptGCM, Curve, hkdf, NOISE_MODE, NOISE_WA_HEADER, proto, sha256 } from "@whiskeysockets/baileys";
import type { KeyPair } from "@whiskeysockets/baileys";

/** What the client said in its handshake finish message. */
export interface ClientHello {
  /** The client's static noise public key (Baileys `creds.noiseKey.public`). */
  readonly noisePublic: Buffer;
  readonly payload: proto.ClientPayload;
}

/** Thrown when the client's bytes do not follow the protocol (the connection is then dropped). */
export class NoiseProtocolError extends Error {
  override name = "NoiseProtocolError";
}

const EMPTY = Buffer.alloc(0);

function iv(counter: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(counter, 8);
  return b;
}

/** Handshake + transport state for one connection, server role. */
export class NoiseServer {
  private hash: Buffer = Buffer.from(NOISE_MODE);
  private salt: Buffer = this.hash;
  private key: Buffer = this.hash;
  private counter = 0;
  private ephemeral: KeyPair = Curve.generateKeyPair();
  private inBytes: Buffer = EMPTY;
  private introSeen = false;
  private stage: "hello" | "finish" | "transport" = "hello";
  private encKey: Buffer = EMPTY;
  private decKey: Buffer = EMPTY;
  private readCounter = 0;
  private writeCounter = 0;

  constructor(
    private readonly staticKey: KeyPair,
    private readonly certChain: Uint8Array,
  ) {}

  /** True once the handshake finished and frames carry binary nodes. */
  get established(): boolean {
    return this.stage === "transport";
  }

  /**
   * Feeds raw socket bytes. Returns the complete frames they finish: handshake replies to send
   * (`reply`), the client's login payload once (`hello`), and decrypted stanza bytes (`plain`).
   */
  receive(chunk: Uint8Array): { reply: Buffer[]; hello?: ClientHello; plain: Buffer[] } {
    this.inBytes = this.inBytes.length ? Buffer.concat([this.inBytes, chunk]) : Buffer.from(chunk);
    if (!this.introSeen) {
      if (this.inBytes.length < 4) return { reply: [], plain: [] };
      if (this.inBytes[0] === 0x45 && this.inBytes[1] === 0x44) {
        // "ED" edge-routing prefix: 2 bytes tag, 2 bytes version, 3 bytes length, routing info.
        const len = (this.inBytes[4]! << 16) | this.inBytes.readUInt16BE(5);
        if (this.inBytes.length < 7 + len + 4) return { reply: [], plain: [] };
        this.inBytes = this.inBytes.subarray(7 + len);
      }
      if (!this.inBytes.subarray(0, 4).equals(NOISE_WA_HEADER)) {
        throw new NoiseProtocolError("Cannot start noise handshake: the client did not send the WA intro header");
      }
      this.inBytes = this.inBytes.subarray(4);
      this.introSeen = true;
      this.mixHash(NOISE_WA_HEADER);
    }
    const out: { reply: Buffer[]; hello?: ClientHello; plain: Buffer[] } = { reply: [], plain: [] };
    for (;;) {
      if (this.inBytes.length < 3) break;
      const size = (this.inBytes[0]! << 16) | (this.inBytes[1]! << 8) | this.inBytes[2]!;
      if (this.inBytes.length < size + 3) break;
      const frame = this.inBytes.subarray(3, size + 3);
      this.inBytes = this.inBytes.subarray(size + 3);
      if (this.stage === "hello") out.reply.push(this.onClientHello(frame));
      else if (this.stage === "finish") out.hello = this.onClientFinish(frame);
      else out.plain.push(this.decryptTransport(frame));
    }
    return out;
  }

  /** Frames an outgoing stanza (encrypting it once the handshake is done). */
  frame(data: Uint8Array): Buffer {
    const body = this.stage === "transport" ? this.encryptTransport(data) : Buffer.from(data);
    const head = Buffer.alloc(3);
    head[0] = (body.length >>> 16) & 0xff;
    head.writeUInt16BE(body.length & 0xffff, 1);
    return Buffer.concat([head, body]);
  }

  private onClientHello(frame: Buffer): Buffer {
    const msg = proto.HandshakeMessage.decode(frame);
    const clientEphemeral = msg.clientHello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.length !== 32) {
      throw new NoiseProtocolError("Cannot continue noise handshake: clientHello has no 32-byte ephemeral key");
    }
    this.clientEphemeral = Buffer.from(clientEphemeral);
    this.mixHash(this.clientEphemeral);
    this.mixHash(this.ephemeral.public);
    this.mixKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const encStatic = this.encryptAndHash(this.staticKey.public);
    this.mixKey(Curve.sharedKey(this.staticKey.private, this.clientEphemeral));
    const encPayload = this.encryptAndHash(this.certChain);
    this.stage = "finish";
    return this.frame(
      proto.HandshakeMessage.encode({
        serverHello: { ephemeral: this.ephemeral.public, static: encStatic, payload: encPayload },
      }).finish(),
    );
  }

  private clientEphemeral: Buffer = EMPTY;

  private onClientFinish(frame: Buffer): ClientHello {
    const msg = proto.HandshakeMessage.decode(frame);
    const fin = msg.clientFinish;
    if (!fin?.static || !fin.payload) {
      throw new NoiseProtocolError("Cannot finish noise handshake: clientFinish lacks static key or payload");
    }
    const noisePublic = this.decryptAndHash(Buffer.from(fin.static));
    this.mixKey(Curve.sharedKey(this.ephemeral.private, noisePublic));
    const payloadBytes = this.decryptAndHash(Buffer.from(fin.payload));
    const payload = proto.ClientPayload.decode(payloadBytes);
    const okm = Buffer.from(hkdf(EMPTY, 64, { salt: this.salt, info: "" }));
    // The client writes with the first half and reads with the second.
    this.decKey = okm.subarray(0, 32);
    this.encKey = okm.subarray(32);
    this.stage = "transport";
    return { noisePublic, payload };
  }

  private mixHash(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixKey(shared: Uint8Array): void {
    const okm = Buffer.from(hkdf(Buffer.from(shared), 64, { salt: this.salt, info: "" }));
    this.salt = okm.subarray(0, 32);
    this.key = okm.subarray(32);
    this.counter = 0;
  }

  private encryptAndHash(plain: Uint8Array): Buffer {
    const c = aesEncryptGCM(plain, this.key, iv(this.counter++), this.hash);
    this.mixHash(c);
    return c;
  }

  private decryptAndHash(cipher: Buffer): Buffer {
    const p = aesDecryptGCM(cipher, this.key, iv(this.counter++), this.hash);
    this.mixHash(cipher);
    return p;
  }

  private encryptTransport(plain: Uint8Array): Buffer {
    return aesEncryptGCM(plain, this.encKey, iv(this.writeCounter++), EMPTY);
  }

  private decryptTransport(cipher: Buffer): Buffer {
    return aesDecryptGCM(cipher, this.decKey, iv(this.readCounter++), EMPTY);
  }
}
