using System.Text.Json.Serialization;

namespace Rcnn.MLNet.Serving;

/// <summary>One detected object: its class name, score and box <c>[x0, y0, x1, y1]</c> in the image's pixels.</summary>
public sealed record Detection(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("score")] float Score,
    [property: JsonPropertyName("box")] float[] Box);

/// <summary>What <c>POST /detect</c> answers: the decoded image's size and its detections in descending score order.</summary>
public sealed record DetectionResult(
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height,
    [property: JsonPropertyName("detections")] IReadOnlyList<Detection> Detections);
