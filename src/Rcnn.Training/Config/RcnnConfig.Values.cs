namespace Rcnn.Training.Config;

public sealed partial class RcnnConfig
{
    /// <summary>A deep copy: no list is shared with this config.</summary>
    public RcnnConfig Clone()
    {
        var copy = new RcnnConfig();
        copy.CopyFrom(this);
        return copy;
    }

    /// <summary>True when every key has the same value (lists compared element by element).</summary>
    public bool ValueEquals(RcnnConfig other) => Differences(other).Count == 0;

    /// <summary>The dotted keys whose values differ, e.g. for a test failure message.</summary>
    public IReadOnlyList<string> Differences(RcnnConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ConfigSchema.Leaves
            .Where(k => !ConfigValues.DeepEquals(k.GetValue(this), k.GetValue(other)))
            .Select(k => k.FullKey)
            .ToList();
    }

    /// <summary>YAML with detectron2's key spelling; <see cref="MergeFromFile"/> on it gives back an equal config.</summary>
    public string Dump() => ConfigYamlWriter.Write(this);

    public override string ToString() => Dump();

    private void CopyFrom(RcnnConfig other)
    {
        foreach (var leaf in ConfigSchema.Leaves)
            leaf.SetValue(this, ConfigValues.DeepCopy(leaf.GetValue(other)));
    }
}
