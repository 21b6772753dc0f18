using System.Text.Json;
using Rcnn.Onnx.Protos;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// What the scoring chain needs to know about an exported detector: its class names (metadata
/// <c>rcnn.class_names</c>), and that it has the FlatPixels inputs and the boxes/scores/label_names outputs.
/// </summary>
public sealed class DetectorOnnxInfo
{
    public const string ClassNamesKey = "rcnn.class_names";
    public const string ConfigKey = "rcnn.config";

    private DetectorOnnxInfo(IReadOnlyList<string> classNames, IReadOnlyDictionary<string, string> metadata)
    {
        ClassNames = classNames;
        Metadata = metadata;
    }

    /// <summary>Class names in contiguous-id order (empty when the file does not record them).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>All metadata_props of the model.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and checks <paramref name="onnx"/>; <paramref name="source"/> names it in error messages.</summary>
    public static DetectorOnnxInfo Read(byte[] onnx, string source)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (Exception e) when (e is Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new ArgumentException($"{source} is not an ONNX model: {e.Message}", nameof(onnx), e);
        }
        if (model.Graph is null) throw new ArgumentException($"{source} is not an ONNX model: it has no graph.", nameof(onnx));
        var inputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var outputs = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        string[] neededIn = [DetectorOnnxNames.Pixels, DetectorOnnxNames.Height, DetectorOnnxNames.Width];
        if (!neededIn.All(inputs.Contains))
            throw new ArgumentException(
                $"{source} has the inputs [{string.Join(", ", inputs)}], but ML.NET scoring needs the FlatPixels layout " +
                $"[{string.Join(", ", neededIn)}] (OnnxTransformer allows one unknown dimension per input). Export it with " +
                "DetectorOnnxOptions.InputLayout = OnnxInputLayout.FlatPixels.", nameof(onnx));
        string[] neededOut = [DetectorOnnxNames.Boxes, DetectorOnnxNames.Scores, DetectorOnnxNames.LabelNames];
        if (!neededOut.All(outputs.Contains))
            throw new ArgumentException(
                $"{source} has the outputs [{string.Join(", ", outputs)}]; a detector exported by Rcnn.Onnx has [{string.Join(", ", neededOut)}].",
                nameof(onnx));

        var metadata = model.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        IReadOnlyList<string> names = [];
        if (metadata.TryGetValue(ClassNamesKey, out var json))
        {
            try
            {
                names = JsonSerializer.Deserialize<string[]>(json) ?? [];
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"{source}: metadata '{ClassNamesKey}' is not a JSON array of strings: {json}", nameof(onnx), e);
            }
        }
        return new DetectorOnnxInfo(names, metadata);
    }
}
