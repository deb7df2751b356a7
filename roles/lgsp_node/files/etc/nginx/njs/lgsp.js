// provcloud lgsp_node: who may pass the LGSP node (installed by Ansible; the data it decides on is
// in lgsp_policy.js, generated from the province catalogue).
//
// A request passes when all of these hold, checked in this order:
//   1. a client certificate issued by the provincial CA, naming a known consumer agency  else 100
//   2. a bearer token whose SHA-256 the node knows                                          else 100
//   3. the token belongs to the same agency as the certificate                              else 106
//   4. the source address is in that agency's allow-list                                    else 101
//   5. the agency is a consumer of the service the location belongs to ($lgsp_service)     else 106
import crypto from 'crypto';
import policy from 'lgsp_policy.js';

var MESSAGES = {
    certificate: 'a client certificate issued by the provincial CA is required',
    token_missing: 'an Authorization: Bearer token is required',
    token_unknown: 'the bearer token is not valid',
    token_other_agency: 'the bearer token belongs to another agency than the client certificate',
    address: 'the source address is not allowed for this agency',
    service: 'this agency is not a consumer of this service',
};
var CODES = {
    certificate: 100, token_missing: 100, token_unknown: 100,
    token_other_agency: 106, address: 101, service: 106,
};

function ipv4(text) {
    var parts = String(text).split('.');
    if (parts.length !== 4) {
        return null;
    }
    var value = 0;
    for (var i = 0; i < 4; i++) {
        if (!/^[0-9]{1,3}$/.test(parts[i]) || Number(parts[i]) > 255) {
            return null;
        }
        value = value * 256 + Number(parts[i]);
    }
    return value;
}

function inNetwork(address, network) {
    var slash = network.indexOf('/');
    var base = ipv4(network.slice(0, slash));
    var size = Math.pow(2, 32 - Number(network.slice(slash + 1)));
    var value = ipv4(address);
    return value !== null && base !== null && Math.floor(value / size) === Math.floor(base / size);
}

// The subject's attributes as [type, value] pairs, parsed as nginx prints $ssl_client_s_dn (RFC 2253):
// pairs separated by an unescaped ',' (or '+' inside a multi-valued RDN), a backslash escaping the next
// character. A value is kept as printed, escapes included. null for a subject that does not parse.
function subjectAttributes(dn) {
    var found = [];
    var pair = '';
    for (var i = 0; i <= dn.length; i++) {
        var c = dn.charAt(i);
        if (c === '\\') {
            pair += dn.substr(i, 2);
            i++;
        } else if (i === dn.length || c === ',' || c === '+') {
            var equals = pair.indexOf('=');
            if (equals < 1) {
                return null;
            }
            found.push([pair.slice(0, equals), pair.slice(equals + 1), c === '+']);
            pair = '';
        } else {
            pair += c;
        }
    }
    return found;
}

// The agency a verified client certificate names: the subject's one CN, whole, and a known consumer.
// A CN= inside another attribute's value (escaped, as in OU=x\,CN=other) is that value, not a CN;
// a subject with no CN, two CNs or a multi-valued RDN names nobody (the provincial CA issues none).
function certificateAgency(r) {
    if (r.variables.ssl_client_verify !== 'SUCCESS') {
        return null;
    }
    var attributes = subjectAttributes(r.variables.ssl_client_s_dn || '');
    if (!attributes) {
        return null;
    }
    var names = [];
    for (var i = 0; i < attributes.length; i++) {
        if (attributes[i][2]) {
            return null;
        }
        if (attributes[i][0] === 'CN') {
            names.push(attributes[i][1]);
        }
    }
    if (names.length !== 1 || !/^[a-z0-9-]+$/.test(names[0])) {
        return null;
    }
    return Object.prototype.hasOwnProperty.call(policy.consumers, names[0]) ? names[0] : null;
}

function reason(r) {
    var agency = certificateAgency(r);
    if (!agency) {
        return 'certificate';
    }
    var match = /^Bearer +([^ ]+)$/i.exec(r.headersIn.Authorization || '');
    if (!match) {
        return 'token_missing';
    }
    var owner = policy.tokens[crypto.createHash('sha256').update(match[1]).digest('hex')];
    if (!owner) {
        return 'token_unknown';
    }
    if (owner !== agency) {
        return 'token_other_agency';
    }
    var sources = policy.consumers[agency].sources;
    var allowed = false;
    for (var i = 0; i < sources.length; i++) {
        allowed = allowed || inNetwork(r.remoteAddress, sources[i]);
    }
    if (!allowed) {
        return 'address';
    }
    var consumers = policy.services[r.variables.lgsp_service] || [];
    if (consumers.indexOf(agency) < 0) {
        return 'service';
    }
    return '';
}

// $lgsp_refusal: '' when the request passes, else the code 100, 101 or 106.
function refusal(r) {
    var why = reason(r);
    return why ? String(CODES[why]) : '';
}

// $lgsp_refusal_message: why, in words (fixed texts, safe inside JSON).
function refusalMessage(r) {
    var why = reason(r);
    return why ? MESSAGES[why] : '';
}

// $lgsp_consumer: the agency named by a valid client certificate ('' otherwise).
function consumer(r) {
    return certificateAgency(r) || '';
}

// $lgsp_consumer_org_code: that agency's identifier code (mã định danh).
function consumerOrgCode(r) {
    var agency = certificateAgency(r);
    return agency ? policy.consumers[agency].org_code : '';
}

export default {refusal, refusalMessage, consumer, consumerOrgCode};
