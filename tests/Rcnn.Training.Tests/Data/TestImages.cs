using Rcnn.Training.Data;

namespace Rcnn.Training.Tests.Data;

/// <summary>Images for transform tests, where only the size matters.</summary>
internal static class TestImages
{
    /// <summary>A black RGB image of <paramref name="h"/> x <paramref name="w"/>.</summary>
    public static ImageBuffer Blank(int h, int w) => new(new byte[h * w * 3], h, w);
}
