using Microsoft.ML.Data;

namespace Rcnn.MLNet.Scoring;

/// <summary>Input row of the pixel mapping: the image to score, of any size.</summary>
public sealed class ImagePixelsInput
{
    [ColumnName(DetectorOnnxNames.ScoringImage)]
    [AnySizeImageType]
    public MLImage? Image { get; set; }
}

/// <summary>Output row of the pixel mapping: the FlatPixels inputs of the detector graph.</summary>
public sealed class ImagePixelsOutput
{
    /// <summary>RGB planes (CHW), 0..255, 3 * height * width values.</summary>
    [ColumnName(DetectorOnnxNames.Pixels)]
    public float[] Pixels { get; set; } = [];

    // ONNX declares height and width as int64 [1]; a scalar column would reach ONNX Runtime as [1, 1].
    [ColumnName(DetectorOnnxNames.Height)]
    [VectorType(1)]
    public long[] Height { get; set; } = new long[1];

    [ColumnName(DetectorOnnxNames.Width)]
    [VectorType(1)]
    public long[] Width { get; set; } = new long[1];
}
