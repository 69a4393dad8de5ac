// Package capturecode owns the 图像采集码 (image collection code) a student copies from
// the 学信网 app: finding and decoding its QR code in an uploaded screenshot or photo,
// validating the payload, masking it for display and logs, fingerprinting it for the
// uniqueness index and sealing it for storage at rest.
//
// The payload is opaque to us. It is never logged: callers log Mask(text) at most.
package capturecode
