using Microsoft.ML.Data;

namespace Rcnn.MLNet.Scoring;

/// <summary>Output row of the byte pixel mapping (contract <c>Rcnn.ImageToPixelBytes</c>): the RGB planes as bytes,
/// which the adapted graph reshapes and casts to the detector's float input itself.</summary>
public sealed class ImagePixelBytesOutput
{
    /// <summary>RGB planes (CHW), 3 * height * width bytes; the graph input is uint8 [1, P].</summary>
    [ColumnName(DetectorOnnxNames.Pixels)]
    public byte[] Pixels { get; set; } = [];

    // ONNX declares height and width as int64 [1]; a scalar column would reach ONNX Runtime as [1, 1].
    [ColumnName(DetectorOnnxNames.Height)]
    [VectorType(1)]
    public long[] Height { get; set; } = new long[1];

    [ColumnName(DetectorOnnxNames.Width)]
    [VectorType(1)]
    public long[] Width { get; set; } = new long[1];
}
