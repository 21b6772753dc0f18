using System.Text.RegularExpressions;
using Rcnn.Training.Layers;
using static TorchSharp.torch;

namespace Rcnn.Training.Checkpoint;

/// <summary>
/// detectron2's model-zoo <c>.pkl</c> files, read as detectron2's <c>DetectionCheckpointer</c> reads them: a dict with
/// "model" and "__author__" holds detectron2 names (ours too); anything else is a Caffe2 / Detectron1 file, e.g. the
/// ImageNet backbones under <c>ImageNetPretrained/MSRA</c>, whose blob names (<c>res2_0_branch2a_w</c>,
/// <c>res_conv1_bn_s</c>) map onto <see cref="Modeling.Backbones.ResNet"/>'s and whose AffineChannel scale and bias become
/// FrozenBatchNorm2d buffers that compute exactly <c>s * x + b</c>. Blobs with no counterpart (the ImageNet classifier
/// <c>fc1000</c>, solver momenta) are left out and listed.
/// </summary>
public static partial class Detectron2Pickle
{
    /// <summary>The file's tensors: detectron2 names (<paramref name="caffe2"/> false) or ResNet names relative to the
    /// trunk (<c>stem.conv1.weight</c> ...; true); <paramref name="leftOut"/> lists the names without a counterpart.</summary>
    public static Dictionary<string, Tensor> Read(string path, out bool caffe2, out List<string> leftOut)
    {
        var root = PickleReader.Read(path) as Dictionary<object, object?>
            ?? throw new InvalidDataException($"{path} does not hold a dict of weights.");
        leftOut = new List<string>();
        var result = new Dictionary<string, Tensor>();
        if (root.TryGetValue("model", out var model) && root.ContainsKey("__author__"))
        {
            caffe2 = false;
            foreach (var (k, v) in Dict(model, path))
                if (Array(v) is { } t) result[(string)k] = t;
                else leftOut.Add((string)k);
            return result;
        }
        caffe2 = true;
        var blobs = root.TryGetValue("blobs", out var b) ? Dict(b, path) : root;
        const float eps = 1e-5f;   // FrozenBatchNorm2d's
        foreach (var (k, v) in blobs)
        {
            string name = (string)k;
            if (name.EndsWith("_momentum", StringComparison.Ordinal) || name == "weight_order") continue;
            var target = ResNetName(name);
            if (target is null || Array(v) is not { } t)
            {
                leftOut.Add(name);
                continue;
            }
            result[target] = t;
            if (target.EndsWith(".norm.weight", StringComparison.Ordinal))
            {
                string norm = target[..^".weight".Length];
                result[norm + ".running_mean"] = zeros(t.shape[0]);
                result[norm + ".running_var"] = Scalars.Full([t.shape[0]], 1 - eps, t.dtype, t.device);
            }
        }
        return result;
    }

    /// <summary>A Caffe2 ResNet blob name as a ResNet key, or null when it has none.</summary>
    public static string? ResNetName(string blob)
    {
        if (blob == "conv1_w") return "stem.conv1.weight";
        if (blob == "res_conv1_bn_s") return "stem.conv1.norm.weight";
        if (blob == "res_conv1_bn_b") return "stem.conv1.norm.bias";
        var m = BlockBlob().Match(blob);
        if (!m.Success) return null;
        string conv = m.Groups[3].Value switch { "1" => "shortcut", "2a" => "conv1", "2b" => "conv2", "2c" => "conv3", _ => "" };
        if (conv.Length == 0) return null;
        string prefix = $"res{m.Groups[1].Value}.{m.Groups[2].Value}.{conv}";
        return m.Groups[4].Value switch
        {
            "_w" => prefix + ".weight",
            "_bn_s" => prefix + ".norm.weight",
            "_bn_b" => prefix + ".norm.bias",
            _ => null,
        };
    }

    private static Dictionary<object, object?> Dict(object? o, string path) =>
        o as Dictionary<object, object?> ?? throw new InvalidDataException($"{path}: expected a dict of weights, found {o?.GetType().Name ?? "None"}.");

    private static Tensor? Array(object? o) =>
        o is PickledArray a && a.ToFloats() is { } values ? tensor(values, a.Shape) : null;

    [GeneratedRegex(@"^res([2-5])_(\d+)_branch(1|2a|2b|2c)(_w|_bn_s|_bn_b)$")]
    private static partial Regex BlockBlob();
}
