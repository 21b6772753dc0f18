using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Structures;

/// <summary>
/// The per-image detections/annotations of detectron2's <c>Instances</c>: the image's (height, width) plus named fields,
/// each a <see cref="Tensor"/> whose first dimension counts instances, or <see cref="Boxes"/>. All fields share that count.
/// Field names are detectron2's ("gt_boxes", "scores", ...) so code and exports can match them one to one.
/// </summary>
public sealed class Instances
{
    /// <summary>Ground-truth boxes: <see cref="Boxes"/>, (N, 4) in image pixels.</summary>
    public const string GtBoxesField = "gt_boxes";
    /// <summary>Ground-truth classes: (N,) int64 contiguous class indices in [0, K); K (background) on sampled
    /// proposals.</summary>
    public const string GtClassesField = "gt_classes";
    /// <summary>Proposals of the RPN: <see cref="Boxes"/>, (N, 4) in image pixels.</summary>
    public const string ProposalBoxesField = "proposal_boxes";
    /// <summary>Objectness of each proposal: (N,) float logits (before the sigmoid).</summary>
    public const string ObjectnessLogitsField = "objectness_logits";
    /// <summary>Detected boxes: <see cref="Boxes"/>, (N, 4) in image pixels.</summary>
    public const string PredBoxesField = "pred_boxes";
    /// <summary>Detection scores: (N,) float class probabilities.</summary>
    public const string ScoresField = "scores";
    /// <summary>Detected classes: (N,) int64 class indices in [0, K).</summary>
    public const string PredClassesField = "pred_classes";

    // Insertion order is kept, as in detectron2 (a Python dict), so ToString and Cat are stable.
    private readonly OrderedDictionary<string, object> fields = new(StringComparer.Ordinal);

    /// <summary>An Instances with no fields for an image of <paramref name="imageSize"/> (height, width), both
    /// non-negative.</summary>
    public Instances((int Height, int Width) imageSize)
    {
        if (imageSize.Height < 0 || imageSize.Width < 0)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "Image height and width must be non-negative.");
        ImageSize = imageSize;
    }

    /// <summary>An Instances with no fields for a <paramref name="height"/> x <paramref name="width"/> image.</summary>
    public Instances(int height, int width) : this((height, width)) { }

    /// <summary>Unpadded (height, width) of the image these instances belong to.</summary>
    public (int Height, int Width) ImageSize { get; }

    /// <summary>A snapshot of the field names in insertion order (a replaced field keeps its place).</summary>
    public IReadOnlyList<string> FieldNames => this.fields.Keys.ToArray();

    /// <summary>Number of instances; like detectron2, undefined (an error) while no field is set.</summary>
    public int Count
    {
        get
        {
            if (this.fields.Count == 0) throw new InvalidOperationException("An Instances with no fields has no defined length.");
            return Length(this.fields.GetAt(0).Value);
        }
    }

    /// <summary>The <see cref="GtBoxesField"/> field: (N, 4) ground-truth boxes.</summary>
    public Boxes GtBoxes { get => GetBoxes(GtBoxesField); set => Set(GtBoxesField, value); }
    /// <summary>The <see cref="GtClassesField"/> field: (N,) int64 class indices.</summary>
    public Tensor GtClasses { get => GetTensor(GtClassesField); set => Set(GtClassesField, value); }
    /// <summary>The <see cref="ProposalBoxesField"/> field: (N, 4) proposal boxes.</summary>
    public Boxes ProposalBoxes { get => GetBoxes(ProposalBoxesField); set => Set(ProposalBoxesField, value); }
    /// <summary>The <see cref="ObjectnessLogitsField"/> field: (N,) float objectness logits.</summary>
    public Tensor ObjectnessLogits { get => GetTensor(ObjectnessLogitsField); set => Set(ObjectnessLogitsField, value); }
    /// <summary>The <see cref="PredBoxesField"/> field: (N, 4) detected boxes.</summary>
    public Boxes PredBoxes { get => GetBoxes(PredBoxesField); set => Set(PredBoxesField, value); }
    /// <summary>The <see cref="ScoresField"/> field: (N,) float detection scores.</summary>
    public Tensor Scores { get => GetTensor(ScoresField); set => Set(ScoresField, value); }
    /// <summary>The <see cref="PredClassesField"/> field: (N,) int64 detected classes.</summary>
    public Tensor PredClasses { get => GetTensor(PredClassesField); set => Set(PredClassesField, value); }

    /// <summary>Whether a field named <paramref name="name"/> is set.</summary>
    public bool Has(string name) => this.fields.ContainsKey(name);

    /// <summary>The field's value: a <see cref="Tensor"/> or <see cref="Boxes"/>.</summary>
    public object Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (this.fields.TryGetValue(name, out var value)) return value;
        throw new KeyNotFoundException($"Instances has no field '{name}' (fields: [{string.Join(", ", this.fields.Keys)}]).");
    }

    /// <summary>The field as a Tensor; <see cref="KeyNotFoundException"/> when it is not set,
    /// <see cref="InvalidOperationException"/> when it is <see cref="Boxes"/>.</summary>
    public Tensor GetTensor(string name) => Get(name) as Tensor
        ?? throw new InvalidOperationException($"Field '{name}' is {Describe(Get(name))}, not a Tensor.");

    /// <summary>The field as <see cref="Boxes"/>; <see cref="KeyNotFoundException"/> when it is not set,
    /// <see cref="InvalidOperationException"/> when it is a Tensor.</summary>
    public Boxes GetBoxes(string name) => Get(name) as Boxes
        ?? throw new InvalidOperationException($"Field '{name}' is {Describe(Get(name))}, not Boxes.");

    /// <summary>Adds or replaces a Tensor field; its first dimension must equal <see cref="Count"/> once any field is
    /// set (a 0-d tensor is rejected). Returns this.</summary>
    public Instances Set(string name, Tensor value) => SetField(name, value);

    /// <summary>Adds or replaces a <see cref="Boxes"/> field; its box count must equal <see cref="Count"/> once any
    /// field is set. Returns this.</summary>
    public Instances Set(string name, Boxes value) => SetField(name, value);

    /// <summary>Removes a field; <see cref="KeyNotFoundException"/> when it is not set.</summary>
    public void Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!this.fields.Remove(name))
            throw new KeyNotFoundException($"Instances has no field '{name}' to remove (fields: [{string.Join(", ", this.fields.Keys)}]).");
    }

    /// <summary>A new Instances with every field selected by a 1-D bool mask or a 1-D integer index tensor.</summary>
    public Instances this[Tensor index]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(index);
            if (index.dim() != 1)
                throw new ArgumentException($"Instances are indexed by a 1-D mask or index tensor, got shape [{string.Join(", ", index.shape)}].", nameof(index));
            bool isMask = index.dtype == ScalarType.Bool;
            if (!isMask && index.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8))
                throw new ArgumentException($"Instances are indexed by a bool or integer tensor, got {index.dtype}.", nameof(index));
            if (isMask && this.fields.Count > 0 && index.shape[0] != Count)
                throw new ArgumentException($"The mask has {index.shape[0]} entries but Instances has {Count}.", nameof(index));
            var result = new Instances(ImageSize);
            foreach (var (name, value) in this.fields)
                result.fields[name] = value is Boxes b ? b[index] : ((Tensor)value)[index];
            return result;
        }
    }

    /// <summary>Instance <paramref name="index"/> (negative counts from the end) as an Instances of length 1.</summary>
    public Instances this[int index]
    {
        get
        {
            int n = Count;
            if (index < -n || index >= n)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Instances has {n} instances.");
            long i = index < 0 ? index + n : index;
            var result = new Instances(ImageSize);
            foreach (var (name, value) in this.fields)
                result.fields[name] = value is Boxes b ? b[i] : ((Tensor)value)[TensorIndex.Slice(i, i + 1)];
            return result;
        }
    }

    /// <summary>A new Instances with every field on <paramref name="device"/> (tensors already there shared).</summary>
    public Instances To(Device device)
    {
        var result = new Instances(ImageSize);
        foreach (var (name, value) in this.fields)
            result.fields[name] = value is Boxes b ? b.To(device) : ((Tensor)value).to(device);
        return result;
    }

    /// <summary>
    /// Concatenates instances of the same image: every element must have the same image size and the same field names;
    /// each field is concatenated along its first dimension.
    /// </summary>
    public static Instances Cat(IReadOnlyList<Instances> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.Count == 0) throw new ArgumentException("Instances.Cat needs at least one Instances.", nameof(instances));
        var first = instances[0];
        var names = first.fields.Keys.ToArray();
        for (int i = 1; i < instances.Count; i++)
        {
            var other = instances[i];
            if (other.ImageSize != first.ImageSize)
                throw new ArgumentException($"instances[{i}] has image size {other.ImageSize} but instances[0] has {first.ImageSize}.", nameof(instances));
            if (other.fields.Count != names.Length || names.Any(n => !other.fields.ContainsKey(n)))
                throw new ArgumentException(
                    $"instances[{i}] has fields [{string.Join(", ", other.fields.Keys)}] but instances[0] has [{string.Join(", ", names)}].",
                    nameof(instances));
        }
        if (instances.Count == 1) return first;

        var result = new Instances(first.ImageSize);
        foreach (var name in names)
        {
            var values = instances.Select(x => x.fields[name]).ToArray();
            if (values.All(v => v is Boxes))
                result.fields[name] = Boxes.Cat(values.Cast<Boxes>());
            else if (values.All(v => v is Tensor))
                result.fields[name] = cat(values.Cast<Tensor>().ToArray(), 0);
            else
                throw new ArgumentException($"Field '{name}' mixes Tensor and Boxes values across the instances.", nameof(instances));
        }
        return result;
    }

    /// <summary>As detectron2's <c>Instances.__str__</c> (num_instances, image_height, image_width, fields), but each
    /// field shown by its shape and dtype rather than its values.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Instances(");
        if (this.fields.Count > 0) sb.Append("num_instances=").Append(Count).Append(", ");
        sb.Append("image_height=").Append(ImageSize.Height).Append(", image_width=").Append(ImageSize.Width).Append(", fields=[");
        sb.AppendJoin(", ", this.fields.Select(f => $"{f.Key}: {Describe(f.Value)}"));
        return sb.Append("])").ToString();
    }

    private Instances SetField(string name, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value, nameof(value));
        if (value is Tensor t && t.dim() == 0)
            throw new ArgumentException($"Field '{name}' needs a tensor with a first (instance) dimension, got a 0-d tensor.", nameof(value));
        int length = Length(value);
        if (this.fields.Count > 0 && length != Count)
            throw new ArgumentException($"Field '{name}' has length {length} but the Instances has {Count} instances.", nameof(value));
        this.fields[name] = value;
        return this;
    }

    private static int Length(object value) => value is Boxes b ? b.Count : (int)((Tensor)value).shape[0];

    private static string Describe(object value) => value is Boxes b
        ? $"Boxes(shape=[{b.Count}, 4])"
        : $"Tensor(shape=[{string.Join(", ", ((Tensor)value).shape)}], dtype={((Tensor)value).dtype})";
}
