using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>Real BCCD images (640x480) and copies of other sizes: a crop (333x517) and PIL-bilinear resizes (600x401).</summary>
internal static class TestImages
{
    public static ImageBuffer Bccd(int index, string format = "BGR") =>
        ImageReader.Read(TestFiles.BccdImage($"BloodImage_{index:D5}.jpg"), format);

    public static ImageBuffer Crop(ImageBuffer image, int top, int left, int height, int width)
    {
        var data = new byte[height * width * 3];
        for (int y = 0; y < height; y++)
            Array.Copy(image.Data, ((top + y) * image.Width + left) * 3, data, y * width * 3, width * 3);
        return new ImageBuffer(data, height, width, image.Format);
    }

    public static ImageBuffer Resize(ImageBuffer image, int height, int width) =>
        new ResizeTransform(image.Height, image.Width, height, width).ApplyImage(image);

    /// <summary>The sizes the tests use: 480x640 as stored, 333x517 cropped, 600x401 resized.</summary>
    public static ImageBuffer Sized(int index, int height, int width)
    {
        var image = Bccd(index);
        if (height == image.Height && width == image.Width) return image;
        if (height <= image.Height && width <= image.Width) return Crop(image, 17, 31, height, width);
        return Resize(image, height, width);
    }

    /// <summary>[3, H, W] float32 0..255, as DatasetMapper hands images to the model.</summary>
    public static Tensor ToChw(ImageBuffer image)
    {
        int plane = image.Height * image.Width;
        var chw = new float[3 * plane];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < 3; c++) chw[c * plane + i] = image.Data[i * 3 + c];
        return tensor(chw, new long[] { 3, image.Height, image.Width });
    }

    /// <summary>The test-time mapper's resize (ResizeShortestEdge to MIN/MAX_SIZE_TEST, then ResizeTransform).</summary>
    public static ImageBuffer TestResize(ImageBuffer image, int minSize, int maxSize)
    {
        var (h, w) = ResizeShortestEdge.GetOutputShape(image.Height, image.Width, minSize, maxSize);
        return new ResizeTransform(image.Height, image.Width, h, w).ApplyImage(image);
    }
}
