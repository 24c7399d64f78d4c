/**
 * Test-process preload: makes Baileys trust the simulator's TEST root key instead of WhatsApp's,
 * and tracks timers so `sim.close()` can stop Baileys' leftovers from holding the process open
 * (see timer-hygiene.ts). Import it first in every test file that connects Baileys to the
 * simulator (or start a child process with `--import` of its compiled form). Product code is
 * untouched: Baileys reads the exported, unfrozen `WA_CERT_DETAILS` at each handshake.
 */
import "./timer-hygiene.ts";
import { WA_CERT_DETAILS } from "@whiskeysockets/baileys";
import { TEST_ROOT_KEY } from "./root-key.ts";

WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(TEST_ROOT_KEY.public);
