//! Thumbnails of attached pictures, made on the server when a picture is uploaded (the
//! `image` crate; PNG, JPEG, GIF, WebP). The picture's size is read from its header first:
//! one larger than any photo (`MAX_SIDE`, `MAX_PIXELS`: a 20,000 × 20,000 "image bomb" is
//! a few hundred KB of PNG and 1.6 GB of pixels) is refused before anything is decoded, and
//! every decode runs under the crate's allocation limit, one at a time, off the async
//! workers. A picture within the refusal limits but over the decode budget is kept without
//! a thumbnail.

use super::{model::is_picture, store::Store};
use crate::base::db::{Pool, begin_write};
use crate::error::AppError;
use futures::TryStreamExt;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, codecs::jpeg::JpegEncoder};
use std::io::Cursor;
use tokio::sync::Semaphore;

/// The thumbnail's box, in pixels: twice the thread's 240 × 180, for sharp screens.
pub const BOX: (u32, u32) = (480, 360);

/// The longest side of a picture taken (WebP's own limit is 16,383).
pub const MAX_SIDE: u32 = 16_384;

/// The most pixels a picture taken may have: twice a 48-megapixel phone photo.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The most memory one thumbnail's decoding may allocate: 128 MiB, a 32-megapixel picture
/// with transparency or 42 without. Larger pictures are kept without a thumbnail.
const DECODE_BUDGET: u64 = 128 << 20;

/// One decode at a time: each is CPU-bound and may take up to `DECODE_BUDGET`, so memory
/// stays bounded however many pictures arrive together.
static TURNS: Semaphore = Semaphore::const_new(1);

/// What was made of a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumb {
    /// The picture's own size (turned upright, as a camera's orientation tag says).
    pub width: u32,
    pub height: u32,
    /// The thumbnail's type and bytes; `None` for a picture over the decode budget or one
    /// whose pixels could not be read.
    pub made: Option<(&'static str, Vec<u8>)>,
}

/// Why a picture was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "is {width} × {height} pixels, larger than any photo: pictures may have at most {} pixels a side and {} megapixels",
    MAX_SIDE,
    MAX_PIXELS / 1_000_000
)]
pub struct TooManyPixels {
    pub width: u32,
    pub height: u32,
}

/// Makes the thumbnail of `bytes`, a picture of `content_type`; `Ok(None)` when it is not a
/// picture or its header cannot be read. Blocking: CPU-bound work for `spawn_blocking`.
pub fn make(bytes: &[u8], content_type: &str) -> Result<Option<Thumb>, TooManyPixels> {
    let Some(format) = ImageFormat::from_mime_type(content_type) else {
        return Ok(None);
    };
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    let Ok((width, height)) = reader().into_dimensions() else {
        return Ok(None);
    };
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(TooManyPixels { width, height });
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(DECODE_BUDGET);
    let decoded = reader().into_decoder().and_then(|mut decoder| {
        decoder.set_limits(limits)?;
        // The decoders hold `max_alloc` to their own buffers; the picture itself is
        // checked here, before it is allocated.
        if decoder.total_bytes() > DECODE_BUDGET {
            return Err(image::ImageError::Limits(
                image::error::LimitError::from_kind(
                    image::error::LimitErrorKind::InsufficientMemory,
                ),
            ));
        }
        let orientation = decoder.orientation()?;
        let mut picture = DynamicImage::from_decoder(decoder)?;
        picture.apply_orientation(orientation);
        Ok(picture)
    });
    let Ok(picture) = decoded else {
        // Over the budget, or damaged past its header: kept, shown as a file.
        let (width, height) = (width.max(1), height.max(1));
        return Ok(Some(Thumb {
            width,
            height,
            made: None,
        }));
    };
    let (width, height) = (picture.width(), picture.height());
    let small = if width <= BOX.0 && height <= BOX.1 {
        picture
    } else {
        picture.thumbnail(BOX.0, BOX.1)
    };
    let mut out = Vec::new();
    // Photos as JPEG; screenshots, drawings and anything transparent as PNG (sharper text).
    let made = if format == ImageFormat::Jpeg && !small.color().has_alpha() {
        JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&small.to_rgb8())
            .map(|()| "image/jpeg")
    } else {
        small
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map(|()| "image/png")
    };
    Ok(Some(Thumb {
        width,
        height,
        made: made.ok().map(|ct| (ct, out)),
    }))
}

/// The thumbnail of a stored file, made and kept once per distinct picture (a file attached
/// again finds it made). Not a picture: nothing. Too many pixels: the refusal, to name the
/// file in.
pub async fn ensure(
    pool: &Pool,
    store: &Store,
    sha256: &str,
    size: u64,
    content_type: &'static str,
) -> Result<Result<(), TooManyPixels>, AppError> {
    if !is_picture(content_type) {
        return Ok(Ok(()));
    }
    let known: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM attachment_thumbs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(pool)
            .await?;
    if known.is_some() {
        return Ok(Ok(()));
    }
    let _turn = TURNS.acquire().await.map_err(|_| AppError::Busy)?;
    let read = async {
        let parts: Vec<_> = store
            .read(pool, sha256, 0..size)
            .await?
            .try_collect()
            .await?;
        Ok::<_, std::io::Error>(parts.concat())
    };
    let bytes = read.await.map_err(|e| {
        tracing::error!(error = %e, sha256, "reading a picture for its thumbnail");
        AppError::Internal
    })?;
    let started = std::time::Instant::now();
    let thumb = tokio::task::spawn_blocking(move || make(&bytes, content_type))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "making a thumbnail");
            AppError::Internal
        })?;
    let thumb = match thumb {
        Ok(Some(thumb)) => thumb,
        Ok(None) => return Ok(Ok(())),
        Err(refused) => return Ok(Err(refused)),
    };
    tracing::debug!(
        sha256,
        ms = started.elapsed().as_millis() as u64,
        made = thumb.made.is_some(),
        "thumbnail"
    );
    let (kind, data) = thumb.made.unzip();
    let mut tx = begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO attachment_thumbs (sha256, width, height, content_type, data)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(thumb.width as i32)
    .bind(thumb.height as i32)
    .bind(kind)
    .bind(data)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbImage, Rgba, RgbaImage, codecs::png::PngEncoder};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = RgbaImage::from_pixel(width, height, Rgba([200, 30, 30, 255]));
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(&picture, width, height, image::ExtendedColorType::Rgba8)
            .unwrap();
        out
    }

    /// A real PNG of `side` × `side` one-bit pixels of a two-colour palette, all black:
    /// 50 MB of bits at 20,000 (1.2 GB once decoded to colour), a few hundred KB of file.
    pub fn bomb(side: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_palette(vec![0, 0, 0, 255, 255, 255]);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0u8; side.div_ceil(8) as usize];
        for _ in 0..side {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_picture_gets_a_thumbnail_in_the_box_and_keeps_its_size() {
        let thumb = make(&png(1600, 900), "image/png").unwrap().unwrap();
        assert_eq!((thumb.width, thumb.height), (1600, 900));
        let (kind, bytes) = thumb.made.unwrap();
        assert_eq!(kind, "image/png");
        let small = image::load_from_memory(&bytes).unwrap();
        assert_eq!((small.width(), small.height()), (480, 270));

        let mut photo = Vec::new();
        JpegEncoder::new(&mut photo)
            .encode_image(&RgbImage::from_pixel(300, 200, image::Rgb([1, 2, 3])))
            .unwrap();
        let thumb = make(&photo, "image/jpeg").unwrap().unwrap();
        assert_eq!((thumb.width, thumb.height), (300, 200));
        assert_eq!(thumb.made.unwrap().0, "image/jpeg");
    }

    #[test]
    fn an_image_bomb_is_refused_from_its_header_before_any_decoding() {
        let bytes = bomb(20_000);
        assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
        let started = std::time::Instant::now();
        assert_eq!(
            make(&bytes, "image/png"),
            Err(TooManyPixels {
                width: 20_000,
                height: 20_000
            })
        );
        // Header only: no 1.6 GB decode.
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn a_picture_over_the_decode_budget_is_kept_without_a_thumbnail() {
        // 8,000 × 8,000 is within the refusal limits (64 megapixels), but decoded to
        // colour it would take 192 MB.
        let thumb = make(&bomb(8_000), "image/png").unwrap().unwrap();
        assert_eq!((thumb.width, thumb.height), (8_000, 8_000));
        assert_eq!(thumb.made, None);
    }

    #[test]
    fn not_a_picture_or_not_readable_makes_nothing() {
        assert_eq!(make(b"%PDF-1.4", "application/pdf"), Ok(None));
        assert_eq!(make(b"\x89PNG\r\n\x1a\nbroken", "image/png"), Ok(None));
    }
}
