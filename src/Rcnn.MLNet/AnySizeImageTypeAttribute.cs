using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// Marks an MLImage property as the unsized image type, what LoadImages produces. ML.NET 5.0.1's own
/// <c>[ImageType]</c> cannot do that (its parameterless form registers ImageDataViewType(0, 0), which throws), and
/// CustomMapping can only fill a property from a column whose type is registered, so we register the unsized type.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class AnySizeImageTypeAttribute : DataViewTypeAttribute
{
    public override void Register() => DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage), this);

    public override bool Equals(DataViewTypeAttribute other) => other is AnySizeImageTypeAttribute;

    public override int GetHashCode() => typeof(AnySizeImageTypeAttribute).GetHashCode();
}
