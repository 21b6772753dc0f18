using Rcnn.Training.Evaluation;

namespace Rcnn.Training.Tests.Evaluation;

/// <summary>Shorthands for building small hand-made evaluation cases.</summary>
internal static class CocoCase
{
    // pycocotools divides by tp + fp + np.spacing(1), so a precision of exactly 1 comes out as 1 - 2^-52.
    public const double Delta = 1e-12;

    public static CocoBox Box(double x, double y, double w, double h) => new(x, y, w, h);

    public static CocoGroundTruthObject Gt(CocoBox box, int cat = 1, bool crowd = false, bool ignore = false, double? area = null) =>
        new(box, cat, crowd, area, ignore);

    public static CocoDetection Det(long image, CocoBox box, double score, int cat = 1) => new(image, cat, box, score);

    public static CocoGroundTruth Truth(params CocoImage[] images) => new([new CocoCategory(1, "cell")], images);

    public static CocoImage Image(long id, params CocoGroundTruthObject[] objects) => new(id, objects);
}
