package capturecode

import "github.com/gradphoto/gradphoto/internal/apperr"

// Errors returned by Decode and Rules.Validate. Their codes are stable API; their
// messages are shown to students as they are.
var (
	// ErrQRNotFound: the image was read but holds no decodable QR code.
	ErrQRNotFound = apperr.Rejected("qr_not_found",
		"未能识别图像采集码。请在学信网App中长按采集码图片保存到相册，再上传保存的完整、清晰的原图（不要裁剪、不要翻拍屏幕）")
	// ErrQRInvalid: a QR code was decoded but its content is not a collection code.
	ErrQRInvalid = apperr.Rejected("qr_invalid",
		"识别到的二维码不是有效的图像采集码，请上传学信网App中生成的图像采集码")
	// ErrUnsupportedImage: not a JPEG or PNG (GIF, HEIC, WebP, PDF, anything else).
	ErrUnsupportedImage = apperr.New(apperr.KindUnsupportedMedia, "unsupported_media_type",
		"仅支持JPG或PNG格式的图片，请上传采集码截图")
	// ErrImageTooLarge: the declared pixel size is beyond what a screenshot or phone photo
	// can be; refused before decoding so that a small file cannot claim gigabytes.
	ErrImageTooLarge = apperr.New(apperr.KindTooLarge, "image_too_large",
		"图片尺寸过大，请上传手机截图原图")
	// ErrImageCorrupt: the file starts like a JPEG/PNG but cannot be decoded (truncated, damaged).
	ErrImageCorrupt = apperr.Rejected("image_corrupt",
		"图片文件已损坏或不完整，请重新保存采集码图片后上传")
	// ErrEmptyImage: zero bytes were uploaded.
	ErrEmptyImage = apperr.Invalid("empty_file", "上传的文件为空，请重新选择采集码图片")
)
