/** snappyjs ships no types: the two functions the remote-write client uses (snappy block format). */
declare module 'snappyjs' {
  export function compress<T extends Uint8Array | ArrayBuffer>(input: T): T;
  export function uncompress<T extends Uint8Array | ArrayBuffer>(input: T): T;
}
