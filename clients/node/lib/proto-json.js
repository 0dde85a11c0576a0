'use strict';
// Reads a request given in proto3 JSON into the plain object that protobufjs' fromObject (and so
// proto-loader's serializer) expects. fromObject knows only the loader's lowerCamelCase names,
// silently drops any other name and coerces scalars (String({}) and the like), while proto3 JSON
// also allows the proto field names (city_prefix). So the message type is walked here: both names
// are accepted; unknown fields, unknown enum names and values of the wrong JSON type are errors.
// (The well-known types' special JSON forms, e.g. a Timestamp as a string, are not supported.)

const protobuf = require('protobufjs');

class ProtoJsonError extends Error {}

// The JSON types allowed for a scalar field; every number type also takes a string ("1", "NaN").
const SCALAR_JSON_TYPES = { string: ['string'], bytes: ['string'], bool: ['boolean'] };
const NUMBER_JSON_TYPES = ['number', 'string'];
// A number given as a JSON string must still spell a number.
const NUMBER_STRING = /^(-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|NaN|-?Infinity)$/;

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Returns `json` as a `type` message object for fromObject; throws ProtoJsonError. */
function fromProto3Json(type, json, where) {
  if (!isObject(json)) {
    throw new ProtoJsonError(`${where}: a ${type.name} must be a JSON object`);
  }
  const object = {};
  for (const [name, value] of Object.entries(json)) {
    const loaderName = Object.hasOwn(type.fields, name) ? name : protobuf.util.camelCase(name);
    if (!Object.hasOwn(type.fields, loaderName)) {
      throw new ProtoJsonError(`${where}: ${type.name} has no field ${name}`);
    }
    object[loaderName] = fieldValue(type.fields[loaderName], value, `${where}.${name}`);
  }
  return object;
}

function fieldValue(field, value, where) {
  if (value === null) {
    return null; // proto3 JSON for "the default value"
  }
  if (field.map) {
    if (!isObject(value)) {
      throw new ProtoJsonError(`${where}: a map must be a JSON object`);
    }
    const entries = Object.entries(value).map(([key, v]) => [key, singleValue(field, v, `${where}.${key}`)]);
    return Object.fromEntries(entries);
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      throw new ProtoJsonError(`${where}: a repeated field must be a JSON list`);
    }
    return value.map((v, i) => singleValue(field, v, `${where}[${i}]`));
  }
  return singleValue(field, value, where);
}

function singleValue(field, value, where) {
  const type = field.resolvedType;
  if (type instanceof protobuf.Type) {
    return fromProto3Json(type, value, where);
  }
  if (type instanceof protobuf.Enum) {
    if (typeof value === 'number' || (typeof value === 'string' && Object.hasOwn(type.values, value))) {
      return value;
    }
  } else if (SCALAR_JSON_TYPES[field.type]?.includes(typeof value)) {
    return value;
  } else if (!SCALAR_JSON_TYPES[field.type] && NUMBER_JSON_TYPES.includes(typeof value)
      && (typeof value === 'number' || NUMBER_STRING.test(value))) {
    return value;
  }
  throw new ProtoJsonError(`${where}: ${JSON.stringify(value)} is not a valid ${type?.name ?? field.type}`);
}

module.exports = { fromProto3Json, ProtoJsonError };
