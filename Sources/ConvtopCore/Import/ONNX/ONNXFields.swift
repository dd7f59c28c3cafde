/// Field numbers of the messages of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto) that the importer reads.
enum ONNXField {
    /// ModelProto.
    enum Model { static let graph = 7 }
    /// GraphProto.
    enum Graph { static let node = 1, initializer = 5, input = 11, output = 12 }
    /// NodeProto.
    enum Node { static let input = 1, output = 2, name = 3, opType = 4, attribute = 5, metadataProps = 9 }
    /// StringStringEntryProto (metadata_props).
    enum StringEntry { static let key = 1, value = 2 }
    /// AttributeProto.
    enum Attribute { static let name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8 }
    /// TensorProto.
    enum Tensor { static let dims = 1, dataType = 2, floatData = 4, int32Data = 5, int64Data = 7, name = 8, rawData = 9 }
    /// ValueInfoProto.
    enum ValueInfo { static let name = 1, type = 2 }
    /// TypeProto (tensor_type), TypeProto.Tensor (elem_type, shape), TensorShapeProto (dim) and its Dimension (dim_value).
    enum TypeInfo { static let tensorType = 1, elemType = 1, shape = 2, dim = 1, dimValue = 1 }
    /// TensorProto.DataType values the importer decodes from raw data.
    enum DataType {
        static let float: Int64 = 1, int32: Int64 = 6, int64: Int64 = 7, bool: Int64 = 9
        /// FLOAT, FLOAT16, DOUBLE, BFLOAT16: tensors that hold learned values (weights), not indices or masks.
        static let floats: Set<Int64> = [1, 10, 11, 16]
    }
}
