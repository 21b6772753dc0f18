using System.Text.RegularExpressions;

namespace Rcnn.Training.Checkpoint;

/// <summary>
/// Renames torchvision checkpoint keys to this project's (detectron2's) module names, so torchvision weights load
/// into detectron2-shaped modules. Returns null for keys that have no counterpart (e.g. the classifier fc).
/// </summary>
public static partial class TorchvisionNames
{
    /// <summary>A torchvision ResNet key (e.g. <c>layer2.0.downsample.1.weight</c>) as a <see cref="Modeling.Backbone.ResNet"/>
    /// key (<c>res3.0.shortcut.norm.weight</c>).</summary>
    public static string? ResNet(string key)
    {
        if (key.StartsWith("fc.")) return null;
        if (key.StartsWith("conv1.")) return "stem." + key;
        if (key.StartsWith("bn1.")) return "stem.conv1.norm." + key["bn1.".Length..];
        var m = LayerKey().Match(key);
        if (!m.Success) return null;
        string prefix = $"res{int.Parse(m.Groups[1].Value) + 1}.{m.Groups[2].Value}.";
        string rest = m.Groups[3].Value;
        rest = BatchNormKey().Replace(rest, "conv$1.norm.");
        rest = rest.Replace("downsample.0.", "shortcut.").Replace("downsample.1.", "shortcut.norm.");
        return prefix + rest;
    }

    [GeneratedRegex(@"^layer([1-4])\.(\d+)\.(.+)$")]
    private static partial Regex LayerKey();

    [GeneratedRegex(@"^bn(\d)\.")]
    private static partial Regex BatchNormKey();
}
